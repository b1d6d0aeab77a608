import type { ResolvedTarget } from '../project/types.js';
import { PgliteAdapter } from './pglite-adapter.js';
import { PostgresAdapter } from './postgres-adapter.js';
import type { WarehouseAdapter } from './warehouse-adapter.js';

export interface AdapterOptions {
  /**
   * PostgreSQL `statement_timeout` for every connection, sent at connect time so queries need no
   * extra round trip (the API server uses it). PGlite ignores it.
   */
  readonly statementTimeoutMs?: number;
}

/**
 * Opens the target's database: a knex/pg pool of `threads + 1` connections for PostgreSQL (the
 * extra one holds the run lock), or the embedded PGlite data directory (created on first use;
 * 'memory://' for an in-memory database).
 *
 * @example
 * const db = await openAdapter(files.target);
 * await db.query('select $1::int as x', [1]); // { rows: [{ x: 1 }], rowCount: 1 }
 */
export async function openAdapter(target: ResolvedTarget, opts: AdapterOptions = {}): Promise<WarehouseAdapter> {
  if (target.type === 'postgres') return new PostgresAdapter(target, opts);
  return PgliteAdapter.open(target);
}
