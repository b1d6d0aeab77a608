/**
 * Jinja2's filters and tests with Jinja's semantics, replacing Nunjucks' built-ins where they
 * differ (keyword arguments, case-insensitive sort/unique, Python rounding, `indent` blank
 * lines, `truncate` leeway, ...), plus dbt's `as_*` filters. Only Nunjucks' `safe`, `escape`,
 * `striptags`, `urlize`, `wordwrap`, `nl2br` and `dump` are left as they are.
 */
import YAML from 'yaml';
import { arg, splitArgs, type CallArgs } from './call-args.js';
import { baseRuntime } from './nunjucks-internals.js';
import { dictKeys, isPlainObject, pyOrder, pyPercent, pyRepr, pyRound, pyStr, pythonMethod, pyTuple, strCase } from './python-methods.js';
import { Relation } from './relation.js';
import { pyEquals, truthy } from './runtime-python.js';

type Filter = (this: unknown, value: unknown, ...args: unknown[]) => unknown;
type Test = (value: unknown, ...args: unknown[]) => boolean;

const SafeString = baseRuntime['SafeString'] as new (s: string) => object;
const isStr = (v: unknown): boolean => typeof v === 'string' || v instanceof String;

/** A value iterated as Jinja iterates it (strings by character, dicts by key). */
function seq(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  if (isStr(v)) return Array.from(String(v));
  if (isPlainObject(v)) return dictKeys(v);
  if (v instanceof Map) return [...v.keys()];
  if (typeof v === 'object' && Symbol.iterator in v) return Array.from(v as Iterable<unknown>);
  return [v];
}

function len(v: unknown): number {
  if (isPlainObject(v)) return dictKeys(v).length;
  if (v instanceof Map || v instanceof Set) return v.size;
  const n = (v as { length?: unknown } | null | undefined)?.length;
  return typeof n === 'number' ? n : seq(v).length;
}

/** Jinja's environment.getitem for `attribute=` paths: `'a.b'`, `'0'` indexes a list. */
function getPath(obj: unknown, path: unknown): unknown {
  let cur = obj;
  for (const part of String(path).split('.')) {
    if (cur === undefined || cur === null) return undefined;
    cur = /^\d+$/.test(part) && (Array.isArray(cur) || isStr(cur)) ? (cur as unknown[])[Number(part)] : (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const lower = (v: unknown): unknown => (isStr(v) ? String(v).toLowerCase() : v);

/**
 * Key function for sort/unique/min/max/groupby: an attribute path, case-folded unless asked;
 * `multi` (sort only, as in Jinja) accepts `'a,b'` for a key of several attributes.
 */
function keyOf(attribute: unknown, caseSensitive: unknown, dflt?: unknown, multi = false): (x: unknown) => unknown {
  const fold = truthy(caseSensitive) ? (v: unknown): unknown => v : lower;
  if (attribute === undefined || attribute === null) return fold;
  const paths = multi && typeof attribute === 'string' ? attribute.split(',').map((p) => p.trim()) : [attribute];
  const one = (x: unknown, p: unknown): unknown => {
    const v = getPath(x, p);
    return fold(v === undefined ? dflt : v);
  };
  return paths.length === 1 ? (x) => one(x, paths[0]) : (x) => paths.map((p) => one(x, p));
}

function hashKey(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return `n${Number(v)}`;
  return isStr(v) ? `s${String(v)}` : `o${pyRepr(v)}`;
}

function contains(container: unknown, v: unknown): boolean {
  if (isStr(container)) return String(container).includes(pyStr(v));
  if (isPlainObject(container)) return typeof v === 'string' && dictKeys(container).includes(v);
  if (container instanceof Map || container instanceof Set) return container.has(v);
  return seq(container).some((x) => pyEquals(x, v));
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Jinja tests usable with `is` and by name in select/reject/selectattr. */
export const JINJA_TESTS: Record<string, Test> = {
  defined: (v) => v !== undefined,
  undefined: (v) => v === undefined,
  none: (v) => v === null,
  boolean: (v) => typeof v === 'boolean',
  true: (v) => v === true,
  false: (v) => v === false,
  integer: (v) => isInt(v),
  float: (v) => typeof v === 'number' && !Number.isInteger(v),
  // Python's bool is a Number
  number: (v) => typeof v === 'number' || typeof v === 'boolean',
  string: (v) => isStr(v),
  mapping: (v) => isPlainObject(v) || v instanceof Relation || v instanceof Map,
  // Jinja only asks for len() and [], which dicts have too
  sequence: (v) => Array.isArray(v) || isStr(v) || isPlainObject(v),
  iterable: (v) => typeof v === 'object' && v !== null ? Symbol.iterator in v || isPlainObject(v) : isStr(v),
  callable: (v) => typeof v === 'function',
  sameas: (v, o) => v === o,
  escaped: (v) => v instanceof SafeString,
  equalto: (v, o) => pyEquals(v, o),
  eq: (v, o) => pyEquals(v, o),
  '==': (v, o) => pyEquals(v, o),
  ne: (v, o) => !pyEquals(v, o),
  '!=': (v, o) => !pyEquals(v, o),
  in: (v, o) => contains(o, v),
  gt: (v, o) => pyOrder(v, o) > 0,
  '>': (v, o) => pyOrder(v, o) > 0,
  greaterthan: (v, o) => pyOrder(v, o) > 0,
  ge: (v, o) => pyOrder(v, o) >= 0,
  '>=': (v, o) => pyOrder(v, o) >= 0,
  lt: (v, o) => pyOrder(v, o) < 0,
  '<': (v, o) => pyOrder(v, o) < 0,
  lessthan: (v, o) => pyOrder(v, o) < 0,
  le: (v, o) => pyOrder(v, o) <= 0,
  '<=': (v, o) => pyOrder(v, o) <= 0,
  odd: (v) => isInt(v) && Math.abs(v % 2) === 1,
  even: (v) => isInt(v) && v % 2 === 0,
  divisibleby: (v, n) => Number(v) % Number(n) === 0,
  lower: (v) => strCase.isLower(pyStr(v)),
  upper: (v) => strCase.isUpper(pyStr(v)),
  truthy: (v) => truthy(v),
  falsy: (v) => !truthy(v),
};

function runTest(name: unknown, v: unknown, rest: unknown[]): boolean {
  if (name === undefined) return truthy(v);
  const t = JINJA_TESTS[String(name)];
  if (t === undefined) throw new Error(`no test named '${String(name)}'`);
  return t(v, ...rest);
}

function asBool(v: unknown): unknown {
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  return v;
}

const str = (v: unknown, method: string, ...args: unknown[]): unknown => pythonMethod(pyStr(v), method)?.(...args);

const FLOAT_RE = /^[+-]?(?:(?:\d+(?:_\d+)*)?\.?\d*(?:_\d+)*(?:e[+-]?\d+)?|inf(?:inity)?|nan)$/i;

function parseFloatPy(s: string): number | undefined {
  const t = s.trim();
  if (t === '' || !FLOAT_RE.test(t) || !/\d|inf|nan/i.test(t)) return undefined;
  const clean = t.replace(/_/g, '').toLowerCase();
  if (/nan$/.test(clean)) return NaN;
  if (/inf/.test(clean)) return clean.startsWith('-') ? -Infinity : Infinity;
  return Number(clean);
}

function parseIntPy(s: string, base: number): number | undefined {
  const m = /^([+-]?)(0[xob])?([0-9a-z]+(?:_[0-9a-z]+)*)$/i.exec(s.trim());
  if (m === null) return undefined;
  const prefix = (m[2] ?? '').toLowerCase();
  const radix = base === 0 ? { '0x': 16, '0o': 8, '0b': 2, '': 10 }[prefix] ?? 10 : base;
  if (prefix !== '' && { '0x': 16, '0o': 8, '0b': 2 }[prefix] !== radix) return undefined;
  const digits = (m[3] ?? '').replace(/_/g, '').toLowerCase();
  const valid = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, radix);
  if (![...digits].every((d) => valid.includes(d))) return undefined;
  const n = parseInt(digits, radix);
  return m[1] === '-' ? -n : n;
}

function toInt(v: unknown, dflt: unknown, base: number): unknown {
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : dflt;
  if (!isStr(v)) return dflt;
  const n = parseIntPy(String(v), base);
  if (n !== undefined) return n;
  const f = parseFloatPy(String(v));
  return f !== undefined && Number.isFinite(f) ? Math.trunc(f) : dflt;
}

function toFloat(v: unknown, dflt: unknown): unknown {
  if (typeof v === 'number' || typeof v === 'boolean') return Number(v);
  return (isStr(v) ? parseFloatPy(String(v)) : undefined) ?? dflt;
}

/**
 * Python's json.dumps: `", "` / `": "` separators (or newlines with `indent`), ASCII-only output.
 * Values JSON cannot hold are written as their printed form instead of failing.
 */
export function pyJsonDumps(v: unknown, opts: { sortKeys?: boolean; indent?: unknown } = {}): string {
  const ind = typeof opts.indent === 'number' ? ' '.repeat(opts.indent) : typeof opts.indent === 'string' ? opts.indent : null;
  const dump = (x: unknown, depth: number): string => {
    if (x === undefined || x === null) return 'null';
    if (typeof x === 'boolean') return x ? 'true' : 'false';
    if (typeof x === 'number') return Number.isNaN(x) ? 'NaN' : Number.isFinite(x) ? pyStr(x) : x > 0 ? 'Infinity' : '-Infinity';
    const items: string[] = [];
    let open = '[';
    if (Array.isArray(x)) for (const y of x) items.push(dump(y, depth + 1));
    else if (isPlainObject(x)) {
      open = '{';
      const keys = dictKeys(x);
      for (const k of opts.sortKeys === true ? keys.sort() : keys) items.push(`${dump(k, depth + 1)}: ${dump(x[k], depth + 1)}`);
    } else {
      return JSON.stringify(pyStr(x)).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    }
    const close = open === '[' ? ']' : '}';
    if (items.length === 0) return open + close;
    if (ind === null) return open + items.join(', ') + close;
    const pad = (d: number): string => `\n${ind.repeat(d)}`;
    return open + pad(depth + 1) + items.join(`,${pad(depth + 1)}`) + pad(depth) + close;
  };
  return dump(v, 0);
}

/** urllib's quote(): UTF-8 percent-encoding, `A-Za-z0-9_.-~` and `safe` left alone. */
function urlQuote(v: unknown, forQuery: boolean): string {
  const q = encodeURIComponent(pyStr(v)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return forQuery ? q.replace(/%20/g, '+') : q.replace(/%2F/g, '/');
}

function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

/** pprint.pformat without line wrapping: repr with dict keys sorted. */
function pformat(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pformat).join(', ')}]`;
  if (isPlainObject(v)) return `{${dictKeys(v).sort().map((k) => `${pyRepr(k)}: ${pformat(v[k])}`).join(', ')}}`;
  return pyRepr(v);
}

function pick(value: unknown, c: CallArgs, sign: 1 | -1): unknown {
  const key = keyOf(arg(c, 1, 'attribute'), arg(c, 0, 'case_sensitive', false));
  let best: unknown;
  for (const x of seq(value)) if (best === undefined || sign * pyOrder(key(x), key(best)) > 0) best = x;
  return best;
}

const filter = (fn: (value: unknown, c: CallArgs) => unknown): Filter => (value, ...raw) => fn(value, splitArgs(raw));

const BUILTIN_FILTERS: Record<string, Filter> = {
  map(this: unknown, value, ...raw) {
    const c = splitArgs(raw);
    if (c.kwargs['attribute'] !== undefined && c.kwargs['attribute'] !== null) {
      const get = keyOf(c.kwargs['attribute'], true, c.kwargs['default']);
      return seq(value).map(get);
    }
    const name = String(c.args[0]);
    const env = (this as { env?: { getFilter?(n: string): Filter } } | null)?.env;
    const f = BUILTIN_FILTERS[name] ?? env?.getFilter?.(name);
    if (f === undefined) throw new Error(`map(): no filter named '${name}'`);
    const kw = Object.keys(c.kwargs).length > 0 ? [{ ...c.kwargs, __keywords: true }] : [];
    return seq(value).map((x) => f.call(this, x, ...c.args.slice(1), ...kw));
  },
  select: filter((v, c) => seq(v).filter((x) => runTest(c.args[0], x, c.args.slice(1)))),
  reject: filter((v, c) => seq(v).filter((x) => !runTest(c.args[0], x, c.args.slice(1)))),
  selectattr: filter((v, c) => seq(v).filter((x) => runTest(c.args[1], getPath(x, c.args[0]), c.args.slice(2)))),
  rejectattr: filter((v, c) => seq(v).filter((x) => !runTest(c.args[1], getPath(x, c.args[0]), c.args.slice(2)))),
  unique: filter((v, c) => {
    const key = keyOf(arg(c, 1, 'attribute'), arg(c, 0, 'case_sensitive', false));
    const seen = new Set<string>();
    return seq(v).filter((x) => {
      const k = hashKey(key(x));
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }),
  sort: filter((v, c) => {
    const key = keyOf(arg(c, 2, 'attribute'), arg(c, 1, 'case_sensitive', false), undefined, true);
    // a negated comparator keeps equal items in order, as sorted(reverse=True) does
    const dir = truthy(arg(c, 0, 'reverse', false)) ? -1 : 1;
    return seq(v).map((x) => [key(x), x] as const).sort((a, b) => dir * pyOrder(a[0], b[0])).map((p) => p[1]);
  }),
  dictsort: filter((v, c) => {
    const by = arg(c, 1, 'by', 'key');
    if (by !== 'key' && by !== 'value') throw new Error('You can only sort by either "key" or "value"');
    const key = keyOf(undefined, arg(c, 0, 'case_sensitive', false));
    const dir = truthy(arg(c, 2, 'reverse', false)) ? -1 : 1;
    const pairs = isPlainObject(v) ? dictKeys(v).map((k) => [k, v[k]] as const) : [];
    return pairs.map((p) => pyTuple(p)).sort((a, b) => dir * pyOrder(key(a[by === 'key' ? 0 : 1]), key(b[by === 'key' ? 0 : 1])));
  }),
  groupby: filter((v, c) => {
    const attribute = arg(c, 0, 'attribute');
    const dflt = arg(c, 1, 'default');
    const cs = arg(c, 2, 'case_sensitive', false);
    const key = keyOf(attribute, cs, dflt);
    const sorted = [...seq(v)].sort((a, b) => pyOrder(key(a), key(b)));
    const groups: [unknown, unknown[]][] = [];
    for (const x of sorted) {
      const last = groups[groups.length - 1];
      if (last !== undefined && pyEquals(key(last[1][0]), key(x))) last[1].push(x);
      else groups.push([keyOf(attribute, true, dflt)(x), [x]]);
    }
    // Jinja's _GroupTuple: a (grouper, list) pair with named fields
    return groups.map(([grouper, list]) => Object.assign(pyTuple([grouper, list]), { grouper, list }));
  }),
  join: filter((v, c) => {
    const attribute = arg(c, 1, 'attribute');
    const items = attribute === undefined || attribute === null ? seq(v) : seq(v).map(keyOf(attribute, true));
    return items.map(pyStr).join(pyStr(arg(c, 0, 'd', '')));
  }),
  default: filter((v, c) => (v === undefined || (truthy(arg(c, 1, 'boolean', false)) && !truthy(v)) ? arg(c, 0, 'default_value', '') : v)),
  list: (v) => [...seq(v)],
  batch: filter((v, c) => {
    const n = Math.max(1, Number(arg(c, 0, 'linecount')));
    const fill = arg(c, 1, 'fill_with');
    const out: unknown[][] = [];
    for (const x of seq(v)) {
      const last = out[out.length - 1];
      if (last === undefined || last.length >= n) out.push([x]);
      else last.push(x);
    }
    const last = out[out.length - 1];
    if (last !== undefined && fill !== undefined && fill !== null) while (last.length < n) last.push(fill);
    return out;
  }),
  slice: filter((v, c) => {
    const items = seq(v);
    const slices = Number(arg(c, 0, 'slices'));
    const fill = arg(c, 1, 'fill_with');
    const per = Math.floor(items.length / slices);
    const extra = items.length % slices;
    const out: unknown[][] = [];
    let offset = 0;
    for (let i = 0; i < slices; i++) {
      const start = offset + i * per;
      if (i < extra) offset++;
      const tmp = items.slice(start, offset + (i + 1) * per);
      if (fill !== undefined && fill !== null && i >= extra) tmp.push(fill);
      out.push(tmp);
    }
    return out;
  }),
  sum: filter((v, c) => {
    const attribute = arg(c, 0, 'attribute');
    const items = attribute === undefined || attribute === null ? seq(v) : seq(v).map(keyOf(attribute, true));
    return items.reduce<unknown>((acc, x) => (Array.isArray(acc) ? [...acc, ...seq(x)] : Number(acc) + Number(x)), arg(c, 1, 'start', 0));
  }),
  min: filter((v, c) => pick(v, c, -1)),
  max: filter((v, c) => pick(v, c, 1)),
  round: filter((v, c) => {
    const n = Number(v);
    const p = Number(arg(c, 0, 'precision', 0));
    const method = arg(c, 1, 'method', 'common');
    if (method === 'common') return pyRound(n, p);
    if (method === 'floor') return Math.floor(n * 10 ** p) / 10 ** p;
    if (method === 'ceil') return Math.ceil(n * 10 ** p) / 10 ** p;
    throw new Error('method must be common, ceil or floor');
  }),
  int: filter((v, c) => toInt(v, arg(c, 0, 'default', 0), Number(arg(c, 1, 'base', 10)))),
  float: filter((v, c) => toFloat(v, arg(c, 0, 'default', 0))),
  abs: (v) => Math.abs(Number(v)),
  string: (v) => pyStr(v),
  length: (v) => len(v),
  first: (v) => seq(v)[0],
  last: (v) => seq(v)[seq(v).length - 1],
  reverse: (v) => (isStr(v) ? Array.from(String(v)).reverse().join('') : [...seq(v)].reverse()),
  items: (v) => {
    if (v === undefined || v === null) return [];
    if (!isPlainObject(v)) throw new Error('Can only get item pairs from a mapping.');
    return dictKeys(v).map((k) => pyTuple([k, v[k]]));
  },
  lower: (v) => pyStr(v).toLowerCase(),
  upper: (v) => pyStr(v).toUpperCase(),
  capitalize: (v) => str(v, 'capitalize'),
  // Jinja's title starts a word after whitespace and -([{<, not after every non-letter
  title: (v) => pyStr(v).split(/([-\s({[<]+)/).map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join(''),
  replace: filter((v, c) => str(v, 'replace', pyStr(c.args[0]), pyStr(c.args[1]), ...(arg(c, 2, 'count') === undefined ? [] : [arg(c, 2, 'count')]))),
  trim: filter((v, c) => str(v, 'strip', arg(c, 0, 'chars', null))),
  wordcount: (v) => (pyStr(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length,
  center: filter((v, c) => str(v, 'center', Number(arg(c, 0, 'width', 80)))),
  indent: filter((v, c) => {
    const width = arg(c, 0, 'width', 4);
    const ind = typeof width === 'string' ? width : ' '.repeat(Number(width));
    const lines = pyStr(v).split('\n');
    const body = lines.map((l, i) => (i === 0 || (l === '' && !truthy(arg(c, 2, 'blank', false))) ? l : ind + l)).join('\n');
    return truthy(arg(c, 1, 'first', false)) ? ind + body : body;
  }),
  truncate: filter((v, c) => {
    const s = pyStr(v);
    const length = Number(arg(c, 0, 'length', 255));
    const end = pyStr(arg(c, 2, 'end', '...'));
    const leeway = arg(c, 3, 'leeway');
    if (s.length <= length + (leeway === undefined || leeway === null ? 5 : Number(leeway))) return s;
    const cut = s.slice(0, Math.max(0, length - end.length));
    if (truthy(arg(c, 1, 'killwords', false))) return cut + end;
    const space = cut.lastIndexOf(' ');
    return (space < 0 ? cut : cut.slice(0, space)) + end;
  }),
  urlencode: (v) => {
    if (isStr(v) || (typeof v !== 'object' && v !== undefined) || v === null) return urlQuote(v, false);
    const pairs = isPlainObject(v) ? dictKeys(v).map((k) => [k, v[k]]) : seq(v).map((p) => seq(p));
    return pairs.map(([k, x]) => `${urlQuote(k, true)}=${urlQuote(x, true)}`).join('&');
  },
  filesizeformat: filter((v, c) => {
    const bytes = Number(v);
    const binary = truthy(arg(c, 0, 'binary', false));
    const base = binary ? 1024 : 1000;
    const prefixes = binary ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
    if (bytes === 1) return '1 Byte';
    if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
    let i = 0;
    while (i < prefixes.length - 1 && bytes >= base ** (i + 2)) i++;
    return `${pyRound((base * bytes) / base ** (i + 2), 1).toFixed(1)} ${prefixes[i] ?? ''}`;
  }),
  format: filter((v, c) => {
    if (c.args.length > 0 && Object.keys(c.kwargs).length > 0) throw new Error("can't handle positional and keyword arguments at the same time");
    return pyPercent(pyStr(v), Object.keys(c.kwargs).length > 0 ? c.kwargs : c.args);
  }),
  // an attribute, never an item: on a dict only its methods are attributes
  attr: (v, name) => {
    const key = pyStr(name);
    if (isStr(v) || Array.isArray(v) || isPlainObject(v)) return pythonMethod(isStr(v) ? String(v) : v, key);
    if (v === undefined || v === null) return undefined;
    const x = (v as Record<string, unknown>)[key];
    return typeof x === 'function' ? (...a: unknown[]) => (x as (...b: unknown[]) => unknown).apply(v, a) : x;
  },
  xmlattr: filter((v, c) => {
    const attrs = isPlainObject(v) ? dictKeys(v).filter((k) => v[k] !== undefined && v[k] !== null) : [];
    const out = attrs.map((k) => `${htmlEscape(k)}="${htmlEscape(pyStr((v as Record<string, unknown>)[k]))}"`).join(' ');
    return out !== '' && truthy(arg(c, 0, 'autospace', true)) ? ` ${out}` : out;
  }),
  pprint: (v) => pformat(v),
  tojson: filter((v, c) =>
    pyJsonDumps(v, { sortKeys: true, indent: arg(c, 0, 'indent', null) })
      .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027'),
  ),
  toyaml: (v) => YAML.stringify(v),
  // dbt's native-rendering markers; Strata also converts in SQL rendering so values compare
  as_text: (v) => pyStr(v),
  as_bool: (v) => asBool(v),
  as_number: (v) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v),
  as_native: (v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return asBool(v);
    }
  },
};

/** Filters added to (or replacing) Nunjucks' built-ins. */
export function jinjaFilters(): Record<string, Filter> {
  return { ...BUILTIN_FILTERS, d: BUILTIN_FILTERS['default'] as Filter, count: BUILTIN_FILTERS['length'] as Filter };
}
