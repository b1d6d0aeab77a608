/**
 * The Redis the Redis suites run against: STRATA_TEST_REDIS_URL, or none (suites skip). In CI
 * (CI=true) a missing URL is a failure, not a skip, like testDatabases().
 */
export function testRedis(): string | undefined {
  const url = process.env['STRATA_TEST_REDIS_URL'];
  if (process.env['CI'] === 'true' && !url) {
    throw new Error('CI=true but STRATA_TEST_REDIS_URL is not set: the Redis suites would be skipped');
  }
  return url;
}
