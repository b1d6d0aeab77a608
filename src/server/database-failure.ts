/** How the API answers a failed database call: a status and a message with no database text. */
export interface DatabaseFailure {
  readonly status: 400 | 500 | 503;
  readonly code: string;
  readonly message: string;
}

/** SQLSTATE classes meaning "the database is unavailable right now", not "the query is wrong". */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '53400', '08000', '08001', '08003', '08004', '08006', '08007']);

/**
 * Timeouts and connection problems are 503 (retry later); anything else is a 500. The caller
 * never sees the database's message, which could reveal table names or data.
 *
 * @example classifyDatabaseError(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })).status // 503
 */
export function classifyDatabaseError(e: unknown): DatabaseFailure {
  const code = typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : '';
  const name = e instanceof Error ? e.name : '';
  const message = e instanceof Error ? e.message : '';
  // Class 22 (data exception): a request value the column's type cannot hold.
  if (code.startsWith('22')) return { status: 400, code: 'invalid_value', message: "a value in the query does not fit its member's type" };
  if (code === '57014') return { status: 503, code: 'timeout', message: 'the query took too long and was cancelled' };
  if (
    UNAVAILABLE_STATES.has(code) ||
    /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH)$/.test(code) ||
    name === 'KnexTimeoutError' ||
    /Connection terminated|connection is closed|Client has encountered a connection error|terminating connection/i.test(message)
  ) {
    return { status: 503, code: 'database_unavailable', message: 'the database is unavailable; retry shortly' };
  }
  return { status: 500, code: 'internal', message: 'internal error' };
}

/** SQLSTATEs of a relation, schema or column that is not there (dropped, renamed, never built). */
const MISSING_OBJECT_STATES = new Set(['42P01', '3F000', '42703']);
/** SQLSTATEs of a value whose type cannot be compared with or cast to the column's. */
const TYPE_MISMATCH_STATES = new Set(['42846', '42883', '42804']);

/**
 * `classifyDatabaseError` for feature-store requests, where two more classes have a meaning of
 * their own: a missing table or column (42P01, 3F000, 42703) is a feature table not built or
 * renamed, 503 `feature_table_missing` (an operator's job, not the caller's); a type that cannot
 * be cast or compared (42846, 42883, 42804) comes from the caller's entity columns, 400, and so
 * does a value the column cannot hold (class 22).
 *
 * @example classifyFeatureDatabaseError(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' }))
 * // { status: 503, code: 'feature_table_missing', message: 'a feature table is missing; …' }
 */
export function classifyFeatureDatabaseError(e: unknown): DatabaseFailure {
  const code = typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : '';
  if (MISSING_OBJECT_STATES.has(code)) {
    return { status: 503, code: 'feature_table_missing', message: 'a feature table is missing or was renamed; run `strata build` (then `strata features materialize`)' };
  }
  if (TYPE_MISMATCH_STATES.has(code)) {
    return { status: 400, code: 'invalid_value', message: "an entity column's type does not fit the feature view's join key or timestamp" };
  }
  if (code.startsWith('22')) {
    return { status: 400, code: 'invalid_value', message: "an entity value does not fit its column's type (a timestamp column needs dates or date-times, join keys the feature view's key type)" };
  }
  return classifyDatabaseError(e);
}
