/**
 * Jinja filters and tests dbt users rely on that Nunjucks lacks or implements differently
 * (`map`, `selectattr('x', 'equalto', 1)`, `unique`, `as_bool`, `tojson`, `is none`, ...).
 */
import { Relation } from './relation.js';
import YAML from 'yaml';
import { splitArgs, arg } from './call-args.js';
import { isPlainObject, pyStr } from './python-methods.js';

type Filter = (value: unknown, ...args: unknown[]) => unknown;
type Test = (value: unknown, ...args: unknown[]) => boolean;

function toList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [...v];
  if (v instanceof Set || v instanceof Map) return [...v.keys()];
  if (isPlainObject(v)) return Object.keys(v);
  return [v];
}

function attr(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (cur === undefined || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** Jinja tests usable by name in select/reject/selectattr. */
export const JINJA_TESTS: Record<string, Test> = {
  none: (v) => v === null,
  defined: (v) => v !== undefined,
  undefined: (v) => v === undefined,
  boolean: (v) => typeof v === 'boolean',
  true: (v) => v === true,
  false: (v) => v === false,
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => typeof v === 'number' && !Number.isInteger(v),
  number: (v) => typeof v === 'number',
  string: (v) => typeof v === 'string',
  mapping: (v) => isPlainObject(v) || v instanceof Relation,
  sequence: (v) => Array.isArray(v) || typeof v === 'string',
  iterable: (v) => Array.isArray(v) || typeof v === 'string' || isPlainObject(v),
  callable: (v) => typeof v === 'function',
  equalto: (v, o) => v === o,
  eq: (v, o) => v === o,
  '==': (v, o) => v === o,
  ne: (v, o) => v !== o,
  '!=': (v, o) => v !== o,
  in: (v, o) => Array.isArray(o) ? o.includes(v) : typeof o === 'string' ? o.includes(String(v)) : false,
  gt: (v, o) => (v as number) > (o as number),
  ge: (v, o) => (v as number) >= (o as number),
  lt: (v, o) => (v as number) < (o as number),
  le: (v, o) => (v as number) <= (o as number),
  odd: (v) => typeof v === 'number' && Math.abs(v % 2) === 1,
  even: (v) => typeof v === 'number' && v % 2 === 0,
  lower: (v) => typeof v === 'string' && v === v.toLowerCase(),
  upper: (v) => typeof v === 'string' && v === v.toUpperCase(),
  truthy: (v) => Boolean(v),
  falsy: (v) => !v,
};

function runTest(name: unknown, v: unknown, rest: unknown[]): boolean {
  if (name === undefined) return Boolean(v);
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

/** Filters added to (or replacing) Nunjucks' built-ins. */
export function jinjaFilters(): Record<string, Filter> {
  const filters: Record<string, Filter> = {
    map: (value, ...raw) => {
      const c = splitArgs(raw);
      const attribute = c.kwargs['attribute'];
      const list = toList(value);
      if (attribute !== undefined && attribute !== null) {
        const def = c.kwargs['default'];
        return list.map((x) => {
          const a = attr(x, String(attribute));
          return a === undefined ? def : a;
        });
      }
      const name = c.args[0];
      const f = typeof name === 'string' ? filters[name] ?? BASIC_FILTERS[name] : undefined;
      if (f === undefined) throw new Error(`map(): no filter named '${String(name)}'`);
      return list.map((x) => f(x, ...c.args.slice(1)));
    },
    select: (value, ...raw) => {
      const { args } = splitArgs(raw);
      return toList(value).filter((x) => runTest(args[0], x, args.slice(1)));
    },
    reject: (value, ...raw) => {
      const { args } = splitArgs(raw);
      return toList(value).filter((x) => !runTest(args[0], x, args.slice(1)));
    },
    selectattr: (value, ...raw) => {
      const { args } = splitArgs(raw);
      return toList(value).filter((x) => runTest(args[1], attr(x, String(args[0])), args.slice(2)));
    },
    rejectattr: (value, ...raw) => {
      const { args } = splitArgs(raw);
      return toList(value).filter((x) => !runTest(args[1], attr(x, String(args[0])), args.slice(2)));
    },
    unique: (value, ...raw) => {
      const c = splitArgs(raw);
      const attribute = arg(c, 1, 'attribute');
      const seen = new Set<unknown>();
      const out: unknown[] = [];
      for (const x of toList(value)) {
        const k = typeof attribute === 'string' ? attr(x, attribute) : x;
        if (!seen.has(k)) {
          seen.add(k);
          out.push(x);
        }
      }
      return out;
    },
    sort: (value, ...raw) => {
      const c = splitArgs(raw);
      const reverse = arg(c, 0, 'reverse', false) === true;
      const attribute = arg(c, 2, 'attribute');
      const key = (x: unknown): unknown => (typeof attribute === 'string' ? attr(x, attribute) : x);
      const out = [...toList(value)].sort((a, b) => {
        const x = key(a);
        const y = key(b);
        if (typeof x === 'number' && typeof y === 'number') return x - y;
        const sx = pyStr(x).toLowerCase();
        const sy = pyStr(y).toLowerCase();
        return sx < sy ? -1 : sx > sy ? 1 : 0;
      });
      return reverse ? out.reverse() : out;
    },
    list: (value) => [...toList(value)],
    tojson: (value) => JSON.stringify(value ?? null),
    toyaml: (value) => YAML.stringify(value),
    string: (value) => pyStr(value),
    as_text: (value) => pyStr(value),
    as_bool: (value) => asBool(value),
    as_number: (value) => (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value),
    as_native: (value) => {
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return asBool(value);
      }
    },
    items: (value) => (isPlainObject(value) ? Object.entries(value) : []),
  };
  return filters;
}

/** Plain one-argument filters usable through `map('lower')`. */
const BASIC_FILTERS: Record<string, Filter> = {
  lower: (v) => pyStr(v).toLowerCase(),
  upper: (v) => pyStr(v).toUpperCase(),
  trim: (v) => pyStr(v).trim(),
  string: (v) => pyStr(v),
  int: (v) => {
    const n = parseInt(pyStr(v), 10);
    return Number.isNaN(n) ? 0 : n;
  },
  float: (v) => {
    const n = parseFloat(pyStr(v));
    return Number.isNaN(n) ? 0 : n;
  },
  length: (v) => toList(v).length,
  capitalize: (v) => {
    const s = pyStr(v);
    return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  },
  title: (v) => pyStr(v).replace(/\b\w/g, (c) => c.toUpperCase()),
};
