import type { Session } from './warehouse-adapter.js';

/** One statement an adapter sent, reported after it finished (or failed). */
export interface StatementEvent {
  readonly sql: string;
  /** How many bound parameters travelled with it (their values are never reported). */
  readonly params: number;
  readonly durationMs: number;
  readonly rowCount?: number;
  /** The error message when the statement failed. */
  readonly error?: string;
}

export type StatementListener = (e: StatementEvent) => void;

/**
 * Wraps a session so every statement it sends is reported to `listener` with its duration
 * (`--debug`, logs/strata.log). Without a listener the session is returned as it is.
 */
export function observeSession(s: Session, listener: StatementListener | undefined): Session {
  if (!listener) return s;
  const timed = async <T>(sql: string, params: number, f: () => Promise<T>, rows: (r: T) => number | undefined): Promise<T> => {
    const started = performance.now();
    try {
      const r = await f();
      const rowCount = rows(r);
      listener({ sql, params, durationMs: performance.now() - started, ...(rowCount !== undefined ? { rowCount } : {}) });
      return r;
    } catch (e) {
      listener({ sql, params, durationMs: performance.now() - started, error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
  };
  return {
    query: (sql, params) => timed(sql, params?.length ?? 0, () => s.query(sql, params), (r) => r.rowCount),
    queryTable: (sql) => timed(sql, 0, () => s.queryTable(sql), (r) => r.rowCount),
    copyFrom: (sql, data) => timed(sql, 0, () => s.copyFrom(sql, data), (n) => n),
  };
}
