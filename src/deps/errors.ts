/** Diagnostics for `deps`: every user-facing failure is a located CompileError, never a stack trace. */

import { CompileError, type Diagnostic, type DiagnosticCode } from '../diagnostics/index.js';
import type { Origin, Where } from './types.js';

/**
 * The best position for a diagnostic about a declared package: its own entry when that has a
 * line (a packages.yml the user can open), else the root entry that pulled it in.
 *
 * @example locationOf({ at: { file: 'hub:x' }, root: { file: 'packages.yml', line: 3, col: 5 } })
 * // { file: 'packages.yml', line: 3, col: 5 }
 */
export function locationOf(origin: Origin): Where {
  return origin.at.line !== undefined ? origin.at : origin.root;
}

/**
 * Who requires something, for messages: `packages.yml:3`, `pkg_a (../pkg_a/packages.yml:2)`, or
 * `dbt-labs/x 1.0.0` for a dependency read from hub metadata (which has no lines).
 *
 * @example describeWhere({ at: { file: 'packages.yml', line: 3 }, root: { file: 'packages.yml', line: 3 } }) // 'packages.yml:3'
 */
export function describeWhere(origin: Origin): string {
  const w = origin.at;
  if (w.line === undefined) return origin.via ?? w.file;
  const place = `${w.file}:${w.line}`;
  return origin.via ? `${origin.via} (${place})` : place;
}

/**
 * Builds an error diagnostic located at `where`.
 *
 * @example depsError('package-not-found', "no package 'x/y' on the hub", { file: 'packages.yml', line: 2, col: 5 }, 'check the name')
 */
export function depsError(code: DiagnosticCode, message: string, where: Where, hint?: string): Diagnostic {
  return {
    code,
    severity: 'error',
    message,
    file: where.file,
    ...(where.line !== undefined ? { line: where.line, col: where.col ?? 1 } : {}),
    ...(hint ? { hint } : {}),
  };
}

/**
 * Throws one located diagnostic as a CompileError (the CLI prints it and exits 2).
 *
 * @example fail('packages-invalid', 'bad entry', { file: 'packages.yml', line: 1, col: 1 })
 */
export function fail(code: DiagnosticCode, message: string, where: Where, hint?: string): never {
  throw new CompileError([depsError(code, message, where, hint)]);
}

/**
 * Hides credentials in a URL (`https://x-token:secret@host/...` → `https://***@host/...`), so a
 * token rendered from env_var never reaches the terminal or a log.
 *
 * @example redactUrl('https://u:tok@github.com/o/r.git') // 'https://***@github.com/o/r.git'
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/i, '$1***@');
}

/**
 * Also hides any credentials-bearing URL inside free text (git's stderr repeats the URL).
 *
 * @example redactText("unable to access 'https://tok@h/r.git/'") // "unable to access 'https://***@h/r.git/'"
 */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

/**
 * A short reason for a failed `fetch` (undici hides the errno in `cause`).
 *
 * @example describeFetchError(e) // 'connection refused (ECONNREFUSED)'
 */
export function describeFetchError(e: unknown): string {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) return 'timed out';
  const messages: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; depth < 5 && cur instanceof Error; depth++) {
    const code = (cur as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return `${ERRNO_TEXT[code] ?? cur.message} (${code})`;
    messages.push(cur.message);
    cur = cur.cause;
  }
  // No errno (e.g. undici's "bad port"): the chain of messages says the most.
  return messages.length ? messages.join(': ') : String(e);
}
