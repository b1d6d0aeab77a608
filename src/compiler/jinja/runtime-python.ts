/**
 * Runtime hooks for the Jinja2 constructs that jinja-compile.ts emits: Python slices, `*args` /
 * `**kwargs` calls, macro `varargs` / `kwargs`, attribute assignment on `namespace()` objects,
 * tuple unpacking, filtered loops and `loop.cycle`. Pure functions of their arguments.
 */
import { splitArgs } from './call-args.js';
import { isPlainObject } from './python-methods.js';

function toIndex(v: unknown, len: number, fallback: number): number {
  if (v === null || v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`slice indices must be integers or None, got ${String(v)}`);
  return n < 0 ? Math.max(0, len + n) : Math.min(n, len);
}

/**
 * Python `seq[start:stop:step]` for lists and strings.
 *
 * @example pySlice([1, 2, 3], 1, null, null) // [2, 3]
 */
export function pySlice(seq: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  if (seq === undefined || seq === null) return seq;
  const isStr = typeof seq === 'string' || (typeof seq === 'object' && seq instanceof String);
  const items: unknown[] = isStr ? Array.from(String(seq)) : Array.isArray(seq) ? seq : Array.from(seq as Iterable<unknown>);
  const st = step === null || step === undefined ? 1 : Number(step);
  if (st === 0) throw new Error('slice step cannot be zero');
  const len = items.length;
  const out: unknown[] = [];
  if (st > 0) {
    const a = toIndex(start, len, 0);
    const b = toIndex(stop, len, len);
    for (let i = a; i < b; i += st) out.push(items[i]);
  } else {
    const a = start === null || start === undefined ? len - 1 : Math.min(toIndex(start, len, len - 1), len - 1);
    const b = stop === null || stop === undefined ? -1 : toIndex(stop, len, -1);
    for (let i = a; i > b; i += st) out.push(items[i]);
  }
  return isStr ? out.join('') : out;
}

/** A value as a list for `*args` and unpacking (strings iterate characters, dicts keys). */
export function toList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return Array.from(v);
  if (isPlainObject(v)) return Object.keys(v).filter((k) => k !== '__keywords');
  if (typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function') return Array.from(v as Iterable<unknown>);
  throw new Error(`cannot unpack ${typeof v} into arguments`);
}

/** Build Nunjucks' argument array (positional..., kwargs object) from `f(*a, k=1, **d)`. */
export function spreadArgs(positional: unknown[][], kwargs: Record<string, unknown>, kwStars: unknown[]): unknown[] {
  const args = positional.flat(1);
  const kw: Record<string, unknown> = { ...kwargs };
  for (const d of kwStars) {
    if (d === undefined || d === null) continue;
    if (typeof d !== 'object') throw new Error('argument after ** must be a mapping');
    for (const [k, v] of Object.entries(d as Record<string, unknown>)) if (k !== '__keywords') kw[k] = v;
  }
  if (Object.keys(kw).length > 0) args.push({ ...kw, __keywords: true });
  return args;
}

/**
 * Jinja's macro calling convention: positional and keyword arguments fill the declared
 * parameters; extra positionals become `varargs`, unknown keywords `kwargs`.
 */
export function makeMacro(
  argNames: readonly string[],
  kwargNames: readonly string[],
  func: (...a: unknown[]) => unknown,
): (...raw: unknown[]) => unknown {
  const all = [...argNames, ...kwargNames];
  const declared = new Set(all);
  return function macro(this: unknown, ...raw: unknown[]): unknown {
    const { args, kwargs } = splitArgs(raw);
    const pos: unknown[] = new Array<unknown>(argNames.length).fill(undefined);
    const kw: Record<string, unknown> = {};
    const varargs: unknown[] = [];
    args.forEach((v, i) => {
      if (i < argNames.length) pos[i] = v;
      else if (i < all.length) kw[all[i] as string] = v;
      else varargs.push(v);
    });
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(kwargs)) {
      const at = argNames.indexOf(k);
      if (at >= 0) pos[at] = v;
      else if (declared.has(k) || k === 'caller') kw[k] = v;
      else rest[k] = v;
    }
    return func.apply(this, [...pos, kw, { varargs, kwargs: rest }]);
  };
}

/** `{% set obj.attr = v %}` (Jinja allows it on `namespace()` objects). */
export function setAttr(obj: unknown, key: unknown, value: unknown): void {
  if (typeof obj !== 'object' || obj === null) {
    throw new Error(`cannot assign attribute '${String(key)}' on ${obj === null ? 'none' : typeof obj}`);
  }
  (obj as Record<string, unknown>)[String(key)] = value;
}

/** Item `i` of a value unpacked into `n` names (`{% set a, b = pair %}`). */
export function unpackItem(value: unknown, i: number, n: number): unknown {
  const items = toList(value);
  if (items.length !== n) throw new Error(`cannot unpack ${items.length} values into ${n} names`);
  return items[i];
}

/** The items of a `{% for … if cond %}` loop that pass `cond`. */
export function loopFilter(arr: unknown, keep: (item: unknown) => unknown): unknown[] {
  return toList(arr).filter((item) => truthy(keep(item)));
}

/**
 * Python truthiness: `None`, `False`, `0`, `''`, `[]`, `{}` and empty result tables are false.
 *
 * @example truthy([]) // false
 */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '' || Number.isNaN(v)) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') {
    if (isPlainObject(v)) return Object.keys(v).some((k) => k !== '__keywords');
    const len = (v as { length?: unknown }).length;
    if (typeof len === 'number') return len > 0;
  }
  return true;
}

/** Python `a and b` (b evaluated only when a is true). */
export function pyAnd(a: unknown, b: () => unknown): unknown {
  return truthy(a) ? b() : a;
}

/** Python `a or b` (b evaluated only when a is false). */
export function pyOr(a: unknown, b: () => unknown): unknown {
  return truthy(a) ? a : b();
}

/** `loop.cycle('odd', 'even')` at iteration `i`. */
export function loopCycle(i: number): (...values: unknown[]) => unknown {
  return (...values: unknown[]) => (values.length === 0 ? undefined : values[i % values.length]);
}

/** A Python set (`set(xs)`): a list of unique items that compares equal regardless of order. */
export class PySet extends Array<unknown> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}

/** `set(items)`: unique items in first-seen order. */
export function pySet(items: Iterable<unknown>): PySet {
  const s = new PySet();
  const seen = new Set<string>();
  for (const x of items) {
    const k = typeof x === 'object' && x !== null ? JSON.stringify(x) : `${typeof x}:${String(x)}`;
    if (seen.has(k)) continue;
    seen.add(k);
    s.push(x);
  }
  return s;
}

/** Python `==`: by value for lists, dicts and sets; numbers and bools as Python compares them. */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  if (a instanceof PySet || b instanceof PySet) {
    if (!Array.isArray(a) || !Array.isArray(b)) return false;
    const as = pySet(a);
    const bs = pySet(b);
    return as.length === bs.length && as.every((x) => bs.some((y) => pyEquals(x, y)));
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => k !== '__keywords');
    const kb = Object.keys(b).filter((k) => k !== '__keywords');
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && pyEquals(a[k], b[k]));
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) === Number(b);
  if (typeof a === 'object' || typeof b === 'object') return String(a) === String(b) && typeof a === typeof b;
  return false;
}

/** A comparison chain `a < b <= c` as Python evaluates it. */
export function pyCompare(first: unknown, ...rest: unknown[]): boolean {
  let left = first;
  for (let i = 0; i < rest.length; i += 2) {
    const op = rest[i] as string;
    const right = rest[i + 1];
    let ok: boolean;
    switch (op) {
      case '==':
      case '===':
        ok = pyEquals(left, right);
        break;
      case '!=':
      case '!==':
        ok = !pyEquals(left, right);
        break;
      case '<':
        ok = (left as number) < (right as number);
        break;
      case '>':
        ok = (left as number) > (right as number);
        break;
      case '<=':
        ok = (left as number) <= (right as number);
        break;
      case '>=':
        ok = (left as number) >= (right as number);
        break;
      default:
        throw new Error(`unknown comparison ${op}`);
    }
    if (!ok) return false;
    left = right;
  }
  return true;
}

/** Python `key in container`: by value in lists, substring in strings, key in dicts. */
export function inOperator(key: unknown, container: unknown): boolean {
  if (container === undefined || container === null) return false;
  if (typeof container === 'string') return container.includes(String(key));
  if (Array.isArray(container)) return container.some((x) => pyEquals(x, key));
  if (isPlainObject(container)) return key !== '__keywords' && Object.prototype.hasOwnProperty.call(container, String(key));
  if (typeof (container as { keys?: unknown }).keys === 'function') {
    return ((container as { keys: () => unknown[] }).keys() ?? []).some((k) => pyEquals(k, key));
  }
  if (typeof (container as Iterable<unknown>)[Symbol.iterator] === 'function') return Array.from(container as Iterable<unknown>).some((x) => pyEquals(x, key));
  return String(key) in (container as object);
}

/** `namespace(a=1)`: an attribute bag whose attributes never collide with dict methods. */
export class Namespace {
  [attr: string]: unknown;
  toString(): string {
    const parts = Object.entries(this).map(([k, v]) => `'${k}': ${typeof v === 'string' ? `'${v}'` : String(v)}`);
    return `<Namespace {${parts.join(', ')}}>`;
  }
}

/** A dict key written as a bare name: the variable's value, or the name when it is unset. */
export function pyKeyOr(v: unknown, name: string): string {
  return v === undefined ? name : pyKey(v);
}

/** A computed dict key as Python would hash it to a string key. */
export function pyKey(v: unknown): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

/** Nunjucks' fromIterator, plus Jinja's iteration over a dict's keys. */
export function fromIterator(arr: unknown): unknown {
  if (isPlainObject(arr)) return Object.keys(arr).filter((k) => k !== '__keywords');
  if (typeof arr === 'string') return Array.from(arr);
  if (typeof arr === 'object' && arr !== null && !Array.isArray(arr) && Symbol.iterator in arr) {
    return Array.from(arr as Iterable<unknown>);
  }
  return arr;
}

export const PYTHON_RUNTIME = {
  pySlice,
  toList,
  spreadArgs,
  makeMacro,
  setAttr,
  unpackItem,
  loopFilter,
  truthy,
  pyAnd,
  pyOr,
  loopCycle,
  pyKey,
  pyKeyOr,
  pyCompare,
  inOperator,
  fromIterator,
};
