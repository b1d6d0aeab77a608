import { openAdapter } from '../../src/adapters/index.js';
import type { WarehouseAdapter } from '../../src/adapters/warehouse-adapter.js';
import type { ResolvedTarget } from '../../src/project/types.js';
import type { TestDatabase } from './databases.js';

/** An adapter on the test database: in-memory PGlite, or the real server from its URL. */
export async function adapterFor(db: TestDatabase, schema = 'public'): Promise<WarehouseAdapter> {
  return openAdapter(targetFor(db, schema));
}

export function targetFor(db: TestDatabase, schema = 'public'): ResolvedTarget {
  if (db.name === 'pglite') {
    return { type: 'pglite', name: 'test', profileName: 'test', path: 'memory://', dbname: 'postgres', schema, threads: 1, origin: 'test' };
  }
  const u = new URL(db.url!);
  return {
    type: 'postgres',
    name: 'test',
    profileName: 'test',
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username) || 'postgres',
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    dbname: u.pathname.slice(1) || 'postgres',
    schema,
    threads: 4,
    origin: 'test',
  };
}
