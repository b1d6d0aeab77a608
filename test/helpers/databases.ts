/**
 * Which databases integration suites run against. PGlite (embedded) always; the real
 * PostgreSQL when STRATA_TEST_DATABASE_URL is set. In CI (CI=true) a missing URL is a failure,
 * not a skip: the suite must run against the real server.
 */
export interface TestDatabase {
  readonly name: 'pglite' | 'postgres';
  readonly url?: string;
}

export function testDatabases(): TestDatabase[] {
  const url = process.env['STRATA_TEST_DATABASE_URL'];
  if (process.env['CI'] === 'true' && !url) {
    throw new Error('CI=true but STRATA_TEST_DATABASE_URL is not set: the PostgreSQL suites would be skipped');
  }
  return [{ name: 'pglite' }, ...(url ? [{ name: 'postgres' as const, url }] : [])];
}
