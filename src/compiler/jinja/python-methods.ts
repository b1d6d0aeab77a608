/**
 * Python-style methods on template values (`'a'.upper()`, `[].append(x)`, `d.items()`) and
 * Python rendering of values (`None`, `True`, `['a', 'b']`), looked up by runtime.memberLookup.
 * Values are never patched: methods are bound on lookup.
 */
import { splitArgs } from './call-args.js';

type Method = (self: never, ...args: unknown[]) => unknown;

/** True for `{}` literals and JSON-like objects (not class instances such as relations). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Python `str(value)`, as Jinja prints it. */
export function pyStr(v: unknown): string {
  if (v === undefined) return '';
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (Array.isArray(v) || isPlainObject(v)) return pyRepr(v);
  return String(v);
}

/** Python `repr(value)`. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isPlainObject(v)) {
    return `{${Object.entries(v)
      .filter(([k]) => k !== '__keywords')
      .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  }
  return pyStr(v);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function stripChars(s: string, chars: unknown, left: boolean, right: boolean): string {
  const set = typeof chars === 'string' ? `[${escapeRe(chars)}]` : '\\s';
  let out = s;
  if (left) out = out.replace(new RegExp(`^${set}+`), '');
  if (right) out = out.replace(new RegExp(`${set}+$`), '');
  return out;
}

function pySplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  const max = typeof maxsplit === 'number' && maxsplit >= 0 ? maxsplit : Infinity;
  if (sep === undefined || sep === null) {
    const parts = s.trim().split(/\s+/).filter((p) => p !== '');
    if (parts.length - 1 <= max) return parts;
    const head = parts.slice(0, max);
    let rest = s.trim();
    for (const h of head) rest = rest.slice(rest.indexOf(h) + h.length).replace(/^\s+/, '');
    return [...head, rest];
  }
  const sepStr = String(sep);
  const parts = s.split(sepStr);
  if (parts.length - 1 <= max) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(sepStr)];
}

/** `'{} and {name}'.format(1, name=2)` */
function pyFormat(s: string, raw: unknown[]): string {
  const { args, kwargs } = splitArgs(raw);
  let auto = 0;
  return s.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, key: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const name = (key ?? '').split(':')[0] ?? '';
    if (name === '') return pyStr(args[auto++]);
    if (/^\d+$/.test(name)) return pyStr(args[Number(name)]);
    return pyStr(kwargs[name]);
  });
}

const STRING_METHODS: Record<string, (s: string, ...a: unknown[]) => unknown> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  strip: (s, c) => stripChars(s, c, true, true),
  lstrip: (s, c) => stripChars(s, c, true, false),
  rstrip: (s, c) => stripChars(s, c, false, true),
  split: (s, sep, max) => pySplit(s, sep, max),
  replace: (s, a, b) => s.split(String(a)).join(String(b)),
  startswith: (s, p) => (Array.isArray(p) ? p.some((x) => s.startsWith(String(x))) : s.startsWith(String(p))),
  endswith: (s, p) => (Array.isArray(p) ? p.some((x) => s.endsWith(String(x))) : s.endsWith(String(p))),
  format: (s, ...a) => pyFormat(s, a),
  join: (s, items) => (Array.isArray(items) ? items.map(pyStr).join(s) : ''),
  title: (s) => s.toLowerCase().replace(/(^|[^a-z0-9])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase()),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  find: (s, sub) => s.indexOf(String(sub)),
  index: (s, sub) => s.indexOf(String(sub)),
  count: (s, sub) => (String(sub) === '' ? s.length + 1 : s.split(String(sub)).length - 1),
  isdigit: (s) => /^\d+$/.test(s),
  isnumeric: (s) => /^\d+$/.test(s),
  isalpha: (s) => /^[A-Za-z]+$/.test(s),
  isalnum: (s) => /^[A-Za-z0-9]+$/.test(s),
  isupper: (s) => /[A-Z]/.test(s) && s === s.toUpperCase(),
  islower: (s) => /[a-z]/.test(s) && s === s.toLowerCase(),
  isspace: (s) => /^\s+$/.test(s),
  zfill: (s, n) => s.padStart(Number(n), '0'),
  ljust: (s, n, c) => s.padEnd(Number(n), typeof c === 'string' ? c : ' '),
  rjust: (s, n, c) => s.padStart(Number(n), typeof c === 'string' ? c : ' '),
  center: (s, n) => {
    const total = Math.max(0, Number(n) - s.length);
    const left = Math.floor(total / 2);
    return ' '.repeat(left) + s + ' '.repeat(total - left);
  },
  swapcase: (s) => [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
  splitlines: (s) => s.split(/\r?\n/),
  partition: (s, sep) => {
    const i = s.indexOf(String(sep));
    return i < 0 ? [s, '', ''] : [s.slice(0, i), String(sep), s.slice(i + String(sep).length)];
  },
  removeprefix: (s, p) => (s.startsWith(String(p)) ? s.slice(String(p).length) : s),
  removesuffix: (s, p) => (String(p) !== '' && s.endsWith(String(p)) ? s.slice(0, -String(p).length) : s),
};

function indexOf(list: unknown[], x: unknown): number {
  return list.findIndex((y) => y === x || (y != null && x != null && String(y) === String(x) && typeof y === typeof x));
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return pyStr(a) < pyStr(b) ? -1 : pyStr(a) > pyStr(b) ? 1 : 0;
}

const LIST_METHODS: Record<string, (l: unknown[], ...a: unknown[]) => unknown> = {
  append: (l, x) => {
    l.push(x);
    return null;
  },
  extend: (l, xs) => {
    if (Array.isArray(xs)) l.push(...(xs as unknown[]));
    return null;
  },
  pop: (l, i) => {
    if (l.length === 0) throw new Error('pop from empty list');
    const idx = typeof i === 'number' ? (i < 0 ? l.length + i : i) : l.length - 1;
    return l.splice(idx, 1)[0];
  },
  index: (l, x) => {
    const i = indexOf(l, x);
    if (i < 0) throw new Error(`${pyRepr(x)} is not in list`);
    return i;
  },
  count: (l, x) => l.filter((y) => y === x).length,
  insert: (l, i, x) => {
    l.splice(Number(i), 0, x);
    return null;
  },
  remove: (l, x) => {
    const i = indexOf(l, x);
    if (i < 0) throw new Error(`list.remove(x): ${pyRepr(x)} not in list`);
    l.splice(i, 1);
    return null;
  },
  sort: (l, ...raw) => {
    const { kwargs } = splitArgs(raw);
    l.sort(compareValues);
    if (kwargs['reverse'] === true) l.reverse();
    return null;
  },
  reverse: (l) => {
    l.reverse();
    return null;
  },
  copy: (l) => [...l],
  clear: (l) => {
    l.length = 0;
    return null;
  },
};

const DICT_METHODS: Record<string, (d: Record<string, unknown>, ...a: unknown[]) => unknown> = {
  items: (d) => Object.entries(d),
  keys: (d) => Object.keys(d),
  values: (d) => Object.values(d),
  get: (d, k, def) => {
    const v = Object.prototype.hasOwnProperty.call(d, String(k)) ? d[String(k)] : undefined;
    return v === undefined ? (def === undefined ? null : def) : v;
  },
  update: (d, ...raw) => {
    const { args, kwargs } = splitArgs(raw);
    const first = args[0];
    if (isPlainObject(first)) Object.assign(d, first);
    else if (Array.isArray(first)) for (const pair of first) if (Array.isArray(pair)) d[String(pair[0])] = pair[1];
    Object.assign(d, kwargs);
    return null;
  },
  pop: (d, k, def) => {
    const key = String(k);
    if (Object.prototype.hasOwnProperty.call(d, key)) {
      const v = d[key];
      delete d[key];
      return v;
    }
    if (def !== undefined) return def;
    throw new Error(`KeyError: ${pyRepr(k)}`);
  },
  setdefault: (d, k, def) => {
    const key = String(k);
    if (!Object.prototype.hasOwnProperty.call(d, key)) d[key] = def === undefined ? null : def;
    return d[key];
  },
  copy: (d) => ({ ...d }),
  has_key: (d, k) => Object.prototype.hasOwnProperty.call(d, String(k)),
  clear: (d) => {
    for (const k of Object.keys(d)) delete d[k];
    return null;
  },
};

/**
 * The Python method `name` of `obj` bound to it, or undefined when there is none.
 *
 * @example pythonMethod('a,b', 'split')?.(',') // ['a', 'b']
 */
export function pythonMethod(obj: unknown, name: string): ((...a: unknown[]) => unknown) | undefined {
  let m: Method | undefined;
  if (typeof obj === 'string') m = STRING_METHODS[name] as Method | undefined;
  else if (Array.isArray(obj)) m = LIST_METHODS[name] as Method | undefined;
  else if (isPlainObject(obj)) m = DICT_METHODS[name] as Method | undefined;
  if (m === undefined || !Object.prototype.hasOwnProperty.call(
    typeof obj === 'string' ? STRING_METHODS : Array.isArray(obj) ? LIST_METHODS : DICT_METHODS,
    name,
  )) {
    return undefined;
  }
  const fn = m as (self: unknown, ...a: unknown[]) => unknown;
  return (...a: unknown[]) => fn(obj, ...a);
}

/** Python `%` formatting: `'%s-%d' % ('a', 1)`. */
export function pyPercent(fmt: string, values: unknown): string {
  const list = Array.isArray(values) ? values : [values];
  let i = 0;
  return fmt.replace(/%([%sdirf])|%\((\w+)\)s/g, (m, kind: string | undefined, key: string | undefined) => {
    if (kind === '%') return '%';
    if (key !== undefined) return isPlainObject(values) ? pyStr(values[key]) : m;
    const v = list[i++];
    if (kind === 'd' || kind === 'i') return String(Math.trunc(Number(v)));
    if (kind === 'f') return Number(v).toFixed(6);
    if (kind === 'r') return pyRepr(v);
    return pyStr(v);
  });
}
