import type { ResolvedTarget } from '../project/types.js';
import { PgliteAdapter } from './pglite-adapter.js';
import type { DataDirEvent } from './pglite-run-lock.js';
import { PostgresAdapter } from './postgres-adapter.js';
import type { StatementListener } from './statement-events.js';
import type { WarehouseAdapter } from './warehouse-adapter.js';

export interface AdapterOptions {
  /**
   * `statement_timeout` of every statement, in ms. PostgreSQL: sent at connect time so queries
   * need no extra round trip. PGlite: the adapter's own deadline (PGlite ignores
   * `set statement_timeout`); see pglite-adapter.ts for what happens to the running statement.
   */
  readonly statementTimeoutMs?: number;
  /**
   * PGlite only (one statement at a time): the longest a call waits for its turn before it fails
   * with 57014, in ms. Undefined = as long as it takes.
   */
  readonly queueTimeoutMs?: number;
  /**
   * PGlite data directories only: the lock every command takes before opening one (see
   * pglite-run-lock.ts). Default: `{ command: 'strata', whenHeld: 'fail' }`.
   */
  readonly lock?: {
    readonly command: string;
    /** Another live process holds the directory and will not lend it: wait, or throw DataDirLockedError. */
    readonly whenHeld: 'wait' | 'fail';
    /** Lend the directory to other commands on request (strata serve). */
    readonly lend?: boolean;
    readonly onEvent?: (e: DataDirEvent) => void;
  };
  /** Told about every statement sent, with its duration, after it ends (statement-events.ts). */
  readonly onStatement?: StatementListener;
}

/**
 * Opens the target's database: a knex/pg pool of `threads + 1` connections for PostgreSQL (the
 * extra one holds the run lock), or the embedded PGlite data directory (created on first use;
 * 'memory://' for an in-memory database), locked for this process until `close`.
 *
 * @example
 * const db = await openAdapter(files.target);
 * await db.query('select $1::int as x', [1]); // { rows: [{ x: 1 }], rowCount: 1 }
 */
export async function openAdapter(target: ResolvedTarget, opts: AdapterOptions = {}): Promise<WarehouseAdapter> {
  if (target.type === 'postgres') return new PostgresAdapter(target, opts);
  return PgliteAdapter.open(target, opts);
}
