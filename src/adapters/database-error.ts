/**
 * Errors leaving the adapters are `Error`s with the server's message and, when the server sent
 * one, the SQLSTATE in `code` (pg and PGlite both set it; this keeps the shape uniform).
 */
export interface DatabaseError extends Error {
  /** SQLSTATE, e.g. '22012' for division by zero. */
  readonly code?: string;
  readonly detail?: string;
  readonly hint?: string;
}

/**
 * Normalises anything thrown by a driver into a `DatabaseError`.
 *
 * @example toDatabaseError(e).code // '42P01'
 */
export function toDatabaseError(e: unknown): DatabaseError {
  if (e instanceof Error) return e as DatabaseError;
  const o = (typeof e === 'object' && e !== null ? e : {}) as { message?: unknown; code?: unknown };
  const err = new Error(typeof o.message === 'string' ? o.message : String(e)) as Error & { code?: string };
  if (typeof o.code === 'string') err.code = o.code;
  return err;
}

/** The error that statements get once `cancelAll` ran (SQLSTATE 57014 like a server-side cancel). */
export function cancelledError(): DatabaseError {
  const err = new Error('canceling statement due to user request (strata cancelAll)') as Error & { code: string };
  err.code = '57014';
  return err;
}
