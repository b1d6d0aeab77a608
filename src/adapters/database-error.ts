/**
 * Errors leaving the adapters are `Error`s with the server's message and, when the server sent
 * one, the SQLSTATE in `code` (pg and PGlite both set it; this keeps the shape uniform), the
 * error `position` as a number and the `statement` it belongs to.
 */
export interface DatabaseError extends Error {
  /** SQLSTATE, e.g. '22012' for division by zero. */
  readonly code?: string;
  readonly detail?: string;
  readonly hint?: string;
  /** 1-based character offset into `statement` where the server located the error. */
  readonly position?: number;
  /** The statement the error is about (the text sent), when the adapter knows it. */
  readonly statement?: string;
}

/**
 * Normalises anything thrown by a driver into a `DatabaseError`; `statement` is the SQL that
 * was sent (kept, not enumerable, so the error can be located in the user's file).
 *
 * @example toDatabaseError(e).code // '42P01'
 * @example toDatabaseError(pgErrorWithPosition, sql).position // 8 (pg sends it as the string '8')
 */
export function toDatabaseError(e: unknown, statement?: string): DatabaseError {
  let err: Error & { code?: unknown; position?: unknown; statement?: unknown };
  if (e instanceof Error) err = e;
  else {
    const o = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
    err = new Error(typeof o['message'] === 'string' ? o['message'] : String(e));
    for (const k of ['code', 'detail', 'hint', 'position'] as const) if (typeof o[k] === 'string' || typeof o[k] === 'number') (err as unknown as Record<string, unknown>)[k] = o[k];
  }
  if (typeof err.position === 'string') {
    const p = Number(err.position);
    if (Number.isInteger(p) && p > 0) err.position = p;
    else delete err.position;
  }
  if (statement !== undefined && err.statement === undefined) {
    Object.defineProperty(err, 'statement', { value: statement, enumerable: false, writable: true, configurable: true });
  }
  return err as DatabaseError;
}

/** The error that statements get once `cancelAll` ran (SQLSTATE 57014 like a server-side cancel). */
export function cancelledError(): DatabaseError {
  const err = new Error('canceling statement due to user request (strata cancelAll)') as Error & { code: string };
  err.code = '57014';
  return err;
}
