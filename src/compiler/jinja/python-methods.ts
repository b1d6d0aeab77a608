/**
 * Python-style methods on template values (`'a'.upper()`, `[].append(x)`, `d.items()`), Python
 * rendering of values (`None`, `True`, `['a', 'b']`), ordering, and `%` / `str.format`
 * formatting, looked up by runtime.memberLookup. Values are never patched: methods are bound
 * on lookup.
 */
import { arg, splitArgs } from './call-args.js';
// runtime-python imports this module too; both only use each other inside functions.
import { PySet, pyEquals, pySet, toList } from './runtime-python.js';

/** True for `{}` literals and JSON-like objects (not class instances such as relations). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/**
 * A Python tuple: a list that prints as `(a, b)`. Results that are tuples in Python (partition,
 * dict items, regex groups, dictsort pairs) are built as PyTuple so they print the same.
 */
export class PyTuple extends Array<unknown> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}

/** `tuple(items)` */
export function pyTuple(items: Iterable<unknown>): PyTuple {
  const t = new PyTuple();
  for (const x of items) t.push(x);
  return t;
}

/** A dict's keys as Python sees them (Nunjucks' keyword marker is not one). */
export function dictKeys(d: Record<string, unknown>): string[] {
  return Object.keys(d).filter((k) => k !== '__keywords');
}

function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  // Python writes exponents with at least two digits: 1e-07
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Python `str(value)`, as Jinja prints it. */
export function pyStr(v: unknown): string {
  if (v === undefined) return '';
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return pyNumber(v);
  if (Array.isArray(v) || isPlainObject(v)) return pyRepr(v);
  return String(v);
}

function reprString(s: string): string {
  // Python picks double quotes when that avoids escaping
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const esc: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', [q]: `\\${q}` };
  let out = '';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    out += esc[ch] ?? (code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : ch);
  }
  return q + out + q;
}

/** Python `repr(value)`. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return reprString(v);
  if (v instanceof PySet) return v.length === 0 ? 'set()' : `{${v.map(pyRepr).join(', ')}}`;
  if (v instanceof PyTuple) return v.length === 1 ? `(${pyRepr(v[0])},)` : `(${v.map(pyRepr).join(', ')})`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isPlainObject(v)) return `{${dictKeys(v).map((k) => `${pyRepr(k)}: ${pyRepr(v[k])}`).join(', ')}}`;
  return pyStr(v);
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !isPlainObject(v) && !(v instanceof String)) {
    // datetimes and timedeltas order by their valueOf()
    const n: unknown = (v as { valueOf(): unknown }).valueOf();
    if (typeof n === 'number') return n;
  }
  return undefined;
}

/**
 * Python ordering (`a < b` → negative): numbers, strings, lists (lexicographically), dates.
 * Values Python cannot compare fall back to their printed form instead of failing.
 */
export function pyOrder(a: unknown, b: unknown): number {
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = pyOrder(a[i], b[i]);
      if (c !== 0) return c;
    }
    return Math.sign(a.length - b.length);
  }
  const s = pyStr(a);
  const t = pyStr(b);
  return s < t ? -1 : s > t ? 1 : 0;
}

/**
 * Python's round(): exact ties go to even (0.125 → 0.12), every other value to the nearest,
 * judged on the double's exact decimal expansion (2.675 is 2.67499… → 2.67).
 */
export function pyRound(x: number, p: number): number {
  if (!Number.isFinite(x)) return x;
  if (p < 0) return pyRound(x / 10 ** -p, 0) * 10 ** -p;
  if (p > 60) return x;
  const [int = '', frac = ''] = Math.abs(x).toFixed(p + 30).split('.');
  const rest = frac.slice(p);
  let n = BigInt(int + frac.slice(0, p));
  const half = rest[0] === '5' && !/[1-9]/.test(rest.slice(1));
  if ((rest[0] ?? '0') > '5' || (rest[0] === '5' && !half) || (half && n % 2n === 1n)) n += 1n;
  const digits = n.toString().padStart(p + 1, '0');
  const val = Number(p === 0 ? digits : `${digits.slice(0, -p)}.${digits.slice(-p)}`);
  return x < 0 ? -val : val;
}

const SPEC_RE = /^(?:([\s\S])?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

function groupDigits(digits: string, sep: string): string {
  if (sep === '') return digits;
  const [int = '', frac] = digits.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

function exponential(n: number, digits: number, upper: boolean): string {
  const s = n.toExponential(digits).replace(/e([+-])(\d)$/, 'e$10$2');
  return upper ? s.toUpperCase() : s;
}

function numberBody(n: number, type: string, prec: number | undefined, alt: boolean): string {
  switch (type) {
    case 'd': case 'n': return String(Math.trunc(n));
    case 'f': case 'F': return pyRound(n, prec ?? 6).toFixed(prec ?? 6);
    case 'e': case 'E': return exponential(n, prec ?? 6, type === 'E');
    case '%': return `${pyRound(n * 100, prec ?? 6).toFixed(prec ?? 6)}%`;
    case 'x': case 'X': case 'o': case 'b': {
      const radix = { x: 16, X: 16, o: 8, b: 2 }[type];
      const s = Math.trunc(n).toString(radix);
      const body = type === 'X' ? s.toUpperCase() : s;
      return alt ? `0${type}${body}` : body;
    }
    case 'c': return String.fromCodePoint(n);
    case 'g': case 'G': case '': {
      if (type === '' && prec === undefined) return pyNumber(n);
      const p = Math.max(prec ?? 6, 1);
      const exp = Number(n.toExponential(p - 1).split('e')[1]);
      const strip = (s: string): string => (alt || !s.includes('.') ? s : s.replace(/\.?0+$/, ''));
      if (exp >= -4 && exp < p) return strip(n.toFixed(p - 1 - exp));
      const [m = '', e = ''] = exponential(n, p - 1, type === 'G').split(/(?=[eE])/);
      return strip(m) + e;
    }
    default: throw new Error(`Unknown format code '${type}' for a number`);
  }
}

/**
 * Python's format-spec mini-language: `format(value, '>8.2f')`.
 *
 * @example formatSpec(3.14159, '08.3f') // '0003.142'
 */
export function formatSpec(v: unknown, spec: string): string {
  const strftime = (v as { strftime?: unknown } | null)?.strftime;
  if (typeof strftime === 'function') return String((strftime as (f: string) => unknown).call(v, spec));
  const m = SPEC_RE.exec(spec);
  if (m === null) throw new Error(`Invalid format specifier '${spec}'`);
  const [, fillRaw, alignRaw, sign, alt, zero, widthRaw, group = '', precRaw, type = ''] = m;
  const prec = precRaw === undefined ? undefined : Number(precRaw);
  const numeric = (typeof v === 'number' || typeof v === 'boolean') && type !== 's';
  let prefix = '';
  let body: string;
  if (numeric) {
    const n = Number(v);
    prefix = n < 0 || Object.is(n, -0) ? '-' : sign === '+' || sign === ' ' ? sign : '';
    body = groupDigits(numberBody(Math.abs(n), type, prec, alt !== undefined), group);
  } else {
    body = pyStr(v);
    if (prec !== undefined) body = body.slice(0, prec);
  }
  const fill = fillRaw ?? (zero !== undefined ? '0' : ' ');
  const align = alignRaw ?? (zero !== undefined && numeric ? '=' : numeric ? '>' : '<');
  const pad = Math.max(0, Number(widthRaw ?? 0) - prefix.length - body.length);
  if (align === '=') return prefix + fill.repeat(pad) + body;
  const text = prefix + body;
  if (align === '<') return text + fill.repeat(pad);
  if (align === '^') return fill.repeat(Math.floor(pad / 2)) + text + fill.repeat(pad - Math.floor(pad / 2));
  return fill.repeat(pad) + text;
}

function getField(v: unknown, key: string, item: boolean): unknown {
  if (v === undefined || v === null) throw new Error(`cannot read '${key}' of ${pyStr(v)} in format string`);
  if (item && Array.isArray(v) && /^\d+$/.test(key)) return v[Number(key)];
  return (v as Record<string, unknown>)[key];
}

/** `'{} and {name!r:>8}'.format(1, name=2)`, including `{0[k]}`, `{x.attr}` and nested specs. */
export function pyFormat(s: string, raw: unknown[]): string {
  const { args, kwargs } = splitArgs(raw);
  let auto = 0;
  const field = (expr: string): string => {
    const [, name = '', conv, specRaw = ''] = /^([^!:]*)(?:!([rsa]))?(?::([\s\S]*))?$/.exec(expr) ?? [];
    const head = /^[^.[]*/.exec(name)?.[0] ?? '';
    let v: unknown = head === '' ? args[auto++] : /^\d+$/.test(head) ? args[Number(head)] : kwargs[head];
    for (const acc of name.slice(head.length).matchAll(/\.(\w+)|\[([^\]]*)\]/g)) {
      v = getField(v, acc[1] ?? acc[2] ?? '', acc[1] === undefined);
    }
    if (conv === 'r' || conv === 'a') v = pyRepr(v);
    else if (conv === 's') v = pyStr(v);
    const spec = specRaw.replace(/\{([^{}]*)\}/g, (_m, inner: string) => field(inner));
    return spec === '' ? pyStr(v) : formatSpec(v, spec);
  };
  return s.replace(/\{\{|\}\}|\{((?:[^{}]|\{[^{}]*\})*)\}/g, (m, expr: string | undefined) =>
    m === '{{' ? '{' : m === '}}' ? '}' : field(expr ?? ''),
  );
}

const PCT_RE = /%(?:\(([^)]*)\))?([#0\- +]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])/g;

/** Python `%` formatting: `'%s-%05.1f' % ('a', 1)`, `'%(x)s' % {'x': 1}`. */
export function pyPercent(fmt: string, values: unknown): string {
  const mapping = isPlainObject(values) ? values : undefined;
  const wanted = [...fmt.matchAll(PCT_RE)]
    .filter((m) => m[5] !== '%' && m[1] === undefined)
    .reduce((n, m) => n + 1 + (m[3] === '*' ? 1 : 0) + (m[4] === '*' ? 1 : 0), 0);
  // tuples are lists here: a list is the argument tuple unless it cannot be (`'%s' % [1, 2]`)
  const list = Array.isArray(values) && !(values instanceof PySet) && (wanted !== 1 || values.length === 1) ? values : [values];
  let i = 0;
  const next = (): unknown => {
    if (i >= list.length) throw new Error('not enough arguments for format string');
    return list[i++];
  };
  return fmt.replace(PCT_RE, (_m, key: string | undefined, flags: string, w: string | undefined, p: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    const width = w === '*' ? Number(next()) : w;
    const prec = p === '*' ? Number(next()) : p;
    const v = key !== undefined && mapping !== undefined ? mapping[key] : next();
    const left = flags.includes('-');
    const sign = flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
    const zero = flags.includes('0') && !left ? '0' : '';
    const spec = `${left ? '<' : zero ? '' : '>'}${sign}${flags.includes('#') ? '#' : ''}${zero}${width ?? ''}${prec === undefined ? '' : `.${prec}`}`;
    if (conv === 's' || conv === 'r' || conv === 'a') return formatSpec(conv === 's' ? pyStr(v) : pyRepr(v), spec);
    if (conv === 'c' && typeof v === 'string') return formatSpec(v, spec);
    const type = conv === 'i' || conv === 'u' ? 'd' : conv;
    return formatSpec(typeof v === 'number' || typeof v === 'boolean' ? v : Number(v), `${spec}${type}`);
  });
}

type Method<T> = (self: T, a: unknown[], kw: Record<string, unknown>) => unknown;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

function stripChars(s: string, chars: unknown, left: boolean, right: boolean): string {
  if (chars === '') return s;
  const set = typeof chars === 'string' ? `[${escapeRe(chars)}]` : '\\s';
  let out = s;
  if (left) out = out.replace(new RegExp(`^${set}+`), '');
  if (right) out = out.replace(new RegExp(`${set}+$`), '');
  return out;
}

function maxSplit(v: unknown): number {
  return typeof v === 'number' && v >= 0 ? v : Infinity;
}

/** str.split / str.rsplit on whitespace runs: the unsplit remainder keeps its spacing, as in Python. */
function splitWhitespace(s: string, max: number, fromRight: boolean): string[] {
  const words = [...s.matchAll(/\S+/g)];
  if (words.length <= max) return words.map((w) => w[0]);
  if (!fromRight) return [...words.slice(0, max).map((w) => w[0]), s.slice(words[max]?.index)];
  const keep = words[words.length - max - 1];
  const head = s.slice(0, (keep?.index ?? 0) + (keep?.[0].length ?? 0));
  return [head, ...words.slice(words.length - max).map((w) => w[0])];
}

function pySplit(s: string, sep: unknown, maxsplit: unknown, fromRight: boolean): string[] {
  const max = maxSplit(maxsplit);
  if (sep === undefined || sep === null) return splitWhitespace(s, max, fromRight);
  const sepStr = String(sep);
  if (sepStr === '') throw new Error('empty separator');
  const parts = s.split(sepStr);
  if (parts.length - 1 <= max) return parts;
  if (fromRight) return [parts.slice(0, parts.length - max).join(sepStr), ...parts.slice(parts.length - max)];
  return [...parts.slice(0, max), parts.slice(max).join(sepStr)];
}

function pyReplace(s: string, old: string, rep: string, count: unknown): string {
  const max = maxSplit(count);
  if (old === '') {
    const chars = Array.from(s);
    let out = '';
    for (let i = 0; i <= chars.length; i++) out += (i < max ? rep : '') + (chars[i] ?? '');
    return out;
  }
  const parts = s.split(old);
  if (parts.length - 1 <= max) return parts.join(rep);
  return parts.slice(0, max + 1).join(rep) + old + parts.slice(max + 1).join(old);
}

function sliceBounds(s: string, start: unknown, end: unknown): [number, number] {
  const norm = (v: unknown, dflt: number): number => {
    if (typeof v !== 'number') return dflt;
    return v < 0 ? Math.max(0, s.length + v) : Math.min(v, s.length);
  };
  return [norm(start, 0), norm(end, s.length)];
}

function find(s: string, a: unknown[], fromRight: boolean): number {
  const sub = String(a[0]);
  const [from, to] = sliceBounds(s, a[1], a[2]);
  const part = s.slice(from, to);
  const i = fromRight ? part.lastIndexOf(sub) : part.indexOf(sub);
  return i < 0 ? -1 : i + from;
}

function found(i: number): number {
  if (i < 0) throw new Error('ValueError: substring not found');
  return i;
}

const cased = (s: string): boolean => s.toLowerCase() !== s.toUpperCase();
const isLower = (s: string): boolean => cased(s) && s === s.toLowerCase();
const isUpper = (s: string): boolean => cased(s) && s === s.toUpperCase();

/** Python str.islower / str.isupper (at least one cased character), also used by Jinja tests. */
export const strCase = { isLower, isUpper };

function affixes(p: unknown): string[] {
  return Array.isArray(p) ? p.map(String) : [String(p)];
}

const STRING_METHODS: Record<string, Method<string>> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  casefold: (s) => s.toLowerCase().replace(/ß/g, 'ss'),
  swapcase: (s) => Array.from(s, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
  // a cased letter is upper-cased when the character before it is not a cased letter
  title: (s) => s.replace(/[\p{Lu}\p{Ll}\p{Lt}]+/gu, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  strip: (s, a, kw) => stripChars(s, arg({ args: a, kwargs: kw }, 0, 'chars'), true, true),
  lstrip: (s, a, kw) => stripChars(s, arg({ args: a, kwargs: kw }, 0, 'chars'), true, false),
  rstrip: (s, a, kw) => stripChars(s, arg({ args: a, kwargs: kw }, 0, 'chars'), false, true),
  split: (s, a, kw) => pySplit(s, arg({ args: a, kwargs: kw }, 0, 'sep'), arg({ args: a, kwargs: kw }, 1, 'maxsplit'), false),
  rsplit: (s, a, kw) => pySplit(s, arg({ args: a, kwargs: kw }, 0, 'sep'), arg({ args: a, kwargs: kw }, 1, 'maxsplit'), true),
  splitlines: (s, a) => {
    const out: string[] = [];
    let last = 0;
    for (const m of s.matchAll(/\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/g)) {
      out.push(s.slice(last, a[0] === true ? m.index + m[0].length : m.index));
      last = m.index + m[0].length;
    }
    if (last < s.length) out.push(s.slice(last));
    return out;
  },
  replace: (s, a, kw) => pyReplace(s, String(a[0]), String(a[1]), arg({ args: a, kwargs: kw }, 2, 'count')),
  startswith: (s, a) => affixes(a[0]).some((p) => s.startsWith(p)),
  endswith: (s, a) => affixes(a[0]).some((p) => s.endsWith(p)),
  removeprefix: (s, a) => (s.startsWith(String(a[0])) ? s.slice(String(a[0]).length) : s),
  removesuffix: (s, a) => (String(a[0]) !== '' && s.endsWith(String(a[0])) ? s.slice(0, -String(a[0]).length) : s),
  find: (s, a) => find(s, a, false),
  rfind: (s, a) => find(s, a, true),
  index: (s, a) => found(find(s, a, false)),
  rindex: (s, a) => found(find(s, a, true)),
  count: (s, a) => {
    const [from, to] = sliceBounds(s, a[1], a[2]);
    const part = s.slice(from, to);
    const sub = String(a[0]);
    return sub === '' ? part.length + 1 : part.split(sub).length - 1;
  },
  format: (s, a, kw) => pyFormat(s, Object.keys(kw).length > 0 ? [...a, { ...kw, __keywords: true }] : a),
  format_map: (s, a) => pyFormat(s, [{ ...(isPlainObject(a[0]) ? a[0] : {}), __keywords: true }]),
  join: (s, a) => toList(a[0]).map(pyStr).join(s),
  expandtabs: (s, a) => {
    const size = typeof a[0] === 'number' ? a[0] : 8;
    let col = 0;
    return s.replace(/[\t\n\r]|[^\t\n\r]+/g, (m) => {
      if (m === '\t') {
        const n = size > 0 ? size - (col % size) : 0;
        col += n;
        return ' '.repeat(n);
      }
      col = m === '\n' || m === '\r' ? 0 : col + m.length;
      return m;
    });
  },
  isdigit: (s) => /^\p{Nd}+$/u.test(s),
  isdecimal: (s) => /^\p{Nd}+$/u.test(s),
  isnumeric: (s) => /^\p{N}+$/u.test(s),
  isalpha: (s) => /^\p{L}+$/u.test(s),
  isalnum: (s) => /^[\p{L}\p{N}]+$/u.test(s),
  isspace: (s) => /^\s+$/.test(s),
  isupper: (s) => isUpper(s),
  islower: (s) => isLower(s),
  istitle: (s) => cased(s) && STRING_METHODS['title']?.(s, [], {}) === s,
  zfill: (s, a) => {
    const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
    return sign + s.slice(sign.length).padStart(Number(a[0]) - sign.length, '0');
  },
  ljust: (s, a) => s.padEnd(Number(a[0]), typeof a[1] === 'string' ? a[1] : ' '),
  rjust: (s, a) => s.padStart(Number(a[0]), typeof a[1] === 'string' ? a[1] : ' '),
  center: (s, a) => {
    const width = Number(a[0]);
    const fill = typeof a[1] === 'string' ? a[1] : ' ';
    const marg = width - s.length;
    if (marg <= 0) return s;
    // CPython's rule: the odd extra space goes left only when the width is odd
    const left = Math.floor(marg / 2) + (marg & width & 1);
    return fill.repeat(left) + s + fill.repeat(marg - left);
  },
  partition: (s, a) => {
    const sep = String(a[0]);
    const i = s.indexOf(sep);
    return pyTuple(i < 0 ? [s, '', ''] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
  },
  rpartition: (s, a) => {
    const sep = String(a[0]);
    const i = s.lastIndexOf(sep);
    return pyTuple(i < 0 ? ['', '', s] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
  },
};

function listIndex(l: unknown[], x: unknown): number {
  return l.findIndex((y) => pyEquals(y, x));
}

const LIST_METHODS: Record<string, Method<unknown[]>> = {
  append: (l, a) => {
    l.push(a[0]);
    return null;
  },
  extend: (l, a) => {
    l.push(...toList(a[0]));
    return null;
  },
  insert: (l, a) => {
    l.splice(Number(a[0]), 0, a[1]);
    return null;
  },
  pop: (l, a) => {
    if (l.length === 0) throw new Error('IndexError: pop from empty list');
    const i = typeof a[0] === 'number' ? (a[0] < 0 ? l.length + a[0] : a[0]) : l.length - 1;
    if (i < 0 || i >= l.length) throw new Error('IndexError: pop index out of range');
    return l.splice(i, 1)[0];
  },
  remove: (l, a) => {
    const i = listIndex(l, a[0]);
    if (i < 0) throw new Error(`ValueError: list.remove(x): x not in list`);
    l.splice(i, 1);
    return null;
  },
  index: (l, a) => {
    const i = listIndex(l, a[0]);
    if (i < 0) throw new Error(`ValueError: ${pyRepr(a[0])} is not in list`);
    return i;
  },
  count: (l, a) => l.filter((y) => pyEquals(y, a[0])).length,
  sort: (l, _a, kw) => {
    // a negated comparator keeps equal items in order, as Python's sort(reverse=True) does
    const dir = kw['reverse'] === true ? -1 : 1;
    l.sort((x, y) => dir * pyOrder(x, y));
    return null;
  },
  reverse: (l) => {
    l.reverse();
    return null;
  },
  copy: (l) => (l instanceof PySet ? pySet(l) : [...l]),
  clear: (l) => {
    l.length = 0;
    return null;
  },
};

const SET_METHODS: Record<string, Method<PySet>> = {
  add: (s, a) => {
    if (listIndex(s, a[0]) < 0) s.push(a[0]);
    return null;
  },
  update: (s, a) => {
    for (const xs of a) for (const x of toList(xs)) if (listIndex(s, x) < 0) s.push(x);
    return null;
  },
  discard: (s, a) => {
    const i = listIndex(s, a[0]);
    if (i >= 0) s.splice(i, 1);
    return null;
  },
  union: (s, a) => pySet([...s, ...a.flatMap(toList)]),
  intersection: (s, a) => pySet(s.filter((x) => a.every((o) => listIndex(toList(o), x) >= 0))),
  difference: (s, a) => pySet(s.filter((x) => a.every((o) => listIndex(toList(o), x) < 0))),
  issubset: (s, a) => s.every((x) => listIndex(toList(a[0]), x) >= 0),
  issuperset: (s, a) => toList(a[0]).every((x) => listIndex(s, x) >= 0),
};

const has = (d: Record<string, unknown>, k: unknown): boolean => Object.prototype.hasOwnProperty.call(d, String(k)) && k !== '__keywords';

const DICT_METHODS: Record<string, Method<Record<string, unknown>>> = {
  items: (d) => dictKeys(d).map((k) => pyTuple([k, d[k]])),
  keys: (d) => dictKeys(d),
  values: (d) => dictKeys(d).map((k) => d[k]),
  get: (d, a) => (has(d, a[0]) ? d[String(a[0])] : a[1] === undefined ? null : a[1]),
  update: (d, a, kw) => {
    const first = a[0];
    if (isPlainObject(first)) for (const k of dictKeys(first)) d[k] = first[k];
    else if (Array.isArray(first)) for (const pair of first) if (Array.isArray(pair)) d[String(pair[0])] = pair[1];
    Object.assign(d, kw);
    return null;
  },
  pop: (d, a) => {
    const key = String(a[0]);
    if (has(d, key)) {
      const v = d[key];
      delete d[key];
      return v;
    }
    if (a.length > 1) return a[1];
    throw new Error(`KeyError: ${pyRepr(a[0])}`);
  },
  popitem: (d) => {
    const k = dictKeys(d).pop();
    if (k === undefined) throw new Error("KeyError: 'popitem(): dictionary is empty'");
    const v = d[k];
    delete d[k];
    return pyTuple([k, v]);
  },
  setdefault: (d, a) => {
    const key = String(a[0]);
    if (!has(d, key)) d[key] = a[1] === undefined ? null : a[1];
    return d[key];
  },
  copy: (d) => Object.fromEntries(dictKeys(d).map((k) => [k, d[k]])),
  has_key: (d, a) => has(d, a[0]),
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
  const pick = <T>(table: Record<string, Method<T>>): Method<T> | undefined =>
    Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
  let m: Method<never> | undefined;
  if (typeof obj === 'string') m = pick(STRING_METHODS);
  else if (obj instanceof PySet) m = pick(SET_METHODS) ?? (name === 'copy' || name === 'clear' ? pick(LIST_METHODS) : undefined);
  else if (Array.isArray(obj)) m = pick(LIST_METHODS);
  else if (isPlainObject(obj)) m = pick(DICT_METHODS);
  if (m === undefined) return undefined;
  const fn = m as Method<unknown>;
  return (...raw: unknown[]) => {
    const { args, kwargs } = splitArgs(raw);
    return fn(obj, args, kwargs);
  };
}
