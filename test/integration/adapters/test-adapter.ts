/**
 * Opens a WarehouseAdapter for one of `testDatabases()` and gives each test a fresh schema.
 */
import { randomBytes } from 'node:crypto';
import { openAdapter } from '../../../src/adapters/open-adapter.js';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import type { ResolvedTarget } from '../../../src/project/types.js';
import type { TestDatabase } from '../../helpers/databases.js';

/** A ResolvedTarget for a test database (PGlite in memory unless `path` is given). */
export function testTarget(db: TestDatabase, opts: { threads?: number; path?: string } = {}): ResolvedTarget {
  const threads = opts.threads ?? 4;
  if (db.name === 'pglite') {
    return { type: 'pglite', name: 'test', profileName: 'test', path: opts.path ?? 'memory://', dbname: 'postgres', schema: 'public', threads, origin: 'test' };
  }
  const u = new URL(db.url ?? '');
  return {
    type: 'postgres',
    name: 'test',
    profileName: 'test',
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    dbname: u.pathname.slice(1),
    schema: 'public',
    threads,
    origin: 'test',
  };
}

export function openTestAdapter(db: TestDatabase, opts: { threads?: number; path?: string } = {}): Promise<WarehouseAdapter> {
  return openAdapter(testTarget(db, opts));
}

/** A random schema name, created; drop it with `dropSchema`. */
export async function freshSchema(adapter: WarehouseAdapter, prefix = 't'): Promise<string> {
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  await adapter.query(`create schema "${schema}"`);
  return schema;
}

export async function dropSchema(adapter: WarehouseAdapter, schema: string): Promise<void> {
  await adapter.query(`drop schema if exists "${schema}" cascade`);
}
