import { mkdir } from 'node:fs/promises';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import type { ResolvedTarget } from '../project/types.js';
import type { QueryResult, WarehouseAdapter } from './warehouse-adapter.js';

/**
 * Opens the target's database: a pg pool sized by `threads` for PostgreSQL, or the embedded
 * PGlite data directory (created on first use).
 *
 * @example const db = await openAdapter(files.target); await db.query('select 1 as x');
 */
export async function openAdapter(target: ResolvedTarget): Promise<WarehouseAdapter> {
  let knex: Knex;
  if (target.type === 'postgres') {
    knex = knexFactory({
      client: 'pg',
      connection: {
        host: target.host,
        port: target.port,
        user: target.user,
        ...(target.password !== undefined ? { password: target.password } : {}),
        database: target.dbname,
        ...(target.sslmode && target.sslmode !== 'disable' ? { ssl: { rejectUnauthorized: target.sslmode === 'verify-full' } } : {}),
        connectionTimeoutMillis: 10_000,
      },
      pool: { min: 0, max: Math.max(1, target.threads) },
    });
  } else {
    const memory = target.path === 'memory://';
    if (!memory) await mkdir(target.path, { recursive: true });
    knex = knexFactory({
      client: ClientPgLite,
      dialect: 'postgres',
      connection: memory ? {} : { filename: target.path },
    });
  }
  return new KnexAdapter(target.type, knex);
}

class KnexAdapter implements WarehouseAdapter {
  constructor(
    readonly type: 'postgres' | 'pglite',
    private readonly knex: Knex,
  ) {}

  async query<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
    const res = (await this.knex.raw(sql, params as readonly Knex.RawBinding[])) as { rows?: Row[]; rowCount?: number };
    const rows = res.rows ?? [];
    return { rows, rowCount: res.rowCount ?? rows.length };
  }

  async serverVersion(): Promise<string> {
    const r = await this.query<{ version: string }>('select version() as version');
    return r.rows[0]?.version ?? 'unknown';
  }

  async close(): Promise<void> {
    await this.knex.destroy();
  }
}
