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
