/**
 * Failures of the feature store that are nobody's typo: a feature view's source cannot be read
 * (its table is missing, renamed, or lacks declared columns) and the online store cannot be
 * reached. Callers (the HTTP API) answer them with their own words and log `cause`.
 */
import { CompileError, type Diagnostic } from '../diagnostics/index.js';

/** Why a view's source could not be used. */
export interface SourceProblem {
  readonly view: string;
  /** `missing`: the relation (or its schema) does not exist; `columns`: declared columns are absent; `unreadable`: anything else. */
  readonly reason: 'missing' | 'columns' | 'unreadable';
  /** The database's error, for server-side logs only. */
  readonly cause?: unknown;
}

/**
 * A feature view's source cannot be read. Still a CompileError (the CLI prints the diagnostics
 * and exits 2, as before); `problems` says which views and why, without database text.
 *
 * @example
 * catch (e) { if (e instanceof FeatureSourceError) e.problems // [{ view: 'customer_features', reason: 'missing', cause: error 42P01 }] }
 */
export class FeatureSourceError extends CompileError {
  readonly problems: readonly SourceProblem[];

  constructor(diagnostics: readonly Diagnostic[], problems: readonly SourceProblem[]) {
    super(diagnostics);
    this.name = 'FeatureSourceError';
    this.problems = problems;
  }
}

/**
 * The online store did not answer in time or is not connected. `cause` holds the client's error.
 *
 * @example throw new OnlineStoreUnavailableError('redis', 'not connected', err)
 */
export class OnlineStoreUnavailableError extends Error {
  readonly code = 'online_store_unavailable';
  readonly store: 'redis' | 'postgres';

  constructor(store: 'redis' | 'postgres', reason: string, cause?: unknown) {
    super(`the ${store} online store is unavailable: ${reason}`, cause === undefined ? undefined : { cause });
    this.name = 'OnlineStoreUnavailableError';
    this.store = store;
  }
}

export function isOnlineStoreUnavailable(e: unknown): e is OnlineStoreUnavailableError {
  return e instanceof OnlineStoreUnavailableError;
}
