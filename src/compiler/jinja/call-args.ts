/**
 * Python-style call arguments for JS functions exposed to templates. Nunjucks passes keyword
 * arguments as one trailing object marked with `__keywords`.
 */

export interface CallArgs {
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
}

function isKeywordArgs(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.prototype.hasOwnProperty.call(v, '__keywords');
}

/**
 * Split a call's arguments into positional and keyword arguments.
 *
 * @example splitArgs(['a', {__keywords: true, v: 1}]) // { args: ['a'], kwargs: { v: 1 } }
 */
export function splitArgs(raw: readonly unknown[]): CallArgs {
  const last = raw[raw.length - 1];
  if (raw.length > 0 && isKeywordArgs(last)) {
    const kwargs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(last)) if (k !== '__keywords') kwargs[k] = v;
    return { args: raw.slice(0, -1), kwargs };
  }
  return { args: [...raw], kwargs: {} };
}

/** Positional argument `i`, else keyword `name`, else `fallback`. */
export function arg(c: CallArgs, i: number, name: string, fallback?: unknown): unknown {
  if (i < c.args.length) return c.args[i];
  if (Object.prototype.hasOwnProperty.call(c.kwargs, name)) return c.kwargs[name];
  return fallback;
}

/** Mark an object as keyword arguments (to call a template macro from JS). */
export function keywordArgs(obj: Record<string, unknown>): Record<string, unknown> {
  return { ...obj, __keywords: true };
}
