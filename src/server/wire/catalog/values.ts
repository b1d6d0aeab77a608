import { BUILTIN_TYPES, type BuiltinType } from './builtin-data.js';

/** A SQL error with its SQLSTATE, naming the construct it is about. */
export class CatalogError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CatalogError';
  }
}

/** A record value (a row of a composite or anonymous record type). */
export class Rec {
  constructor(
    readonly names: readonly string[],
    readonly types: readonly number[],
    readonly values: readonly Value[],
  ) {}
}

/** Runtime values: numbers for every numeric and oid-like type, strings for text-like and temporal ones. */
export type Value = null | boolean | number | string | Value[] | Rec;

/** A value with its type oid (705 unknown for untyped string literals). */
export interface TV {
  readonly t: number;
  readonly v: Value;
}

export const T = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int2vector: 22,
  int4: 23,
  regproc: 24,
  text: 25,
  oid: 26,
  tid: 27,
  xid: 28,
  cid: 29,
  oidvector: 30,
  json: 114,
  pg_node_tree: 194,
  float4: 700,
  float8: 701,
  unknown: 705,
  aclitem: 1033,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  regprocedure: 2202,
  regoper: 2203,
  regoperator: 2204,
  regclass: 2205,
  regtype: 2206,
  record: 2249,
  cstring: 2275,
  anyarray: 2277,
  void: 2278,
  regnamespace: 4089,
  regrole: 4096,
  regcollation: 4191,
  inet: 869,
  _text: 1009,
  _oid: 1028,
  _int2: 1005,
  _int4: 1007,
  _char: 1002,
  _name: 1003,
  _aclitem: 1034,
  _bool: 1000,
  _float8: 1022,
  _int8: 1016,
  _numeric: 1231,
  _varchar: 1015,
  _record: 2287,
  jsonb: 3802,
} as const;

export interface TypeInfo {
  readonly oid: number;
  readonly name: string;
  readonly namespace: number;
  readonly len: number;
  readonly byval: boolean;
  readonly type: string;
  readonly category: string;
  readonly preferred: boolean;
  readonly delim: string;
  readonly relid: number;
  readonly elem: number;
  readonly array: number;
  readonly input: number;
  readonly output: number;
  readonly receive: number;
  readonly send: number;
  readonly modin: number;
  readonly modout: number;
  readonly analyze: number;
  readonly subscript: number;
  readonly align: string;
  readonly storage: string;
  readonly collation: number;
  readonly description: string;
  /** Domains: the base type, its typmod and default. */
  readonly basetype?: number;
  readonly typmod?: number;
  readonly default?: string | null;
}

export const BUILTIN_TYPE_INFO: ReadonlyMap<number, TypeInfo> = new Map(
  BUILTIN_TYPES.map((r: BuiltinType) => [
    r[0],
    {
      oid: r[0],
      name: r[1],
      namespace: r[22],
      basetype: r[23],
      typmod: r[24],
      default: r[25],
      len: r[2],
      byval: r[3],
      type: r[4],
      category: r[5],
      preferred: r[6],
      delim: r[7],
      relid: 0,
      elem: r[8],
      array: r[9],
      input: r[10],
      output: r[11],
      receive: r[12],
      send: r[13],
      modin: r[14],
      modout: r[15],
      analyze: r[16],
      subscript: r[17],
      align: r[18],
      storage: r[19],
      collation: r[20],
      description: r[21],
    },
  ]),
);

const INTS = new Set<number>([T.int2, T.int4, T.int8, T.oid, T.xid, T.cid, 5069]);
const FLOATS = new Set<number>([T.float4, T.float8]);
const REGS = new Set<number>([T.regproc, T.regprocedure, T.regoper, T.regoperator, T.regclass, T.regtype, T.regnamespace, T.regrole, T.regcollation, 3734, 3769]);
const TEXTS = new Set<number>([T.text, T.name, T.char, T.varchar, T.bpchar, T.unknown, T.pg_node_tree, T.cstring, T.json, T.jsonb, T.aclitem, 3361, 3402, 5017, 194]);

export function isNumeric(t: number): boolean {
  return INTS.has(t) || FLOATS.has(t) || t === T.numeric || REGS.has(t);
}
export function isInteger(t: number): boolean {
  return INTS.has(t) || REGS.has(t);
}
export function isReg(t: number): boolean {
  return REGS.has(t);
}
export function isTextual(t: number): boolean {
  return TEXTS.has(t);
}

/** The element type of an array type (int2vector and oidvector included), or 0. */
export function elemOf(t: number, lookup: (oid: number) => TypeInfo | undefined = (o) => BUILTIN_TYPE_INFO.get(o)): number {
  if (t === T.int2vector) return T.int2;
  if (t === T.oidvector) return T.oid;
  if (t === T.anyarray) return T.unknown;
  const info = lookup(t);
  return info && info.elem && info.subscript === 6179 ? info.elem : 0;
}

/** The array type of an element type (text[] for unknown ones). */
export function arrayOf(t: number, lookup: (oid: number) => TypeInfo | undefined = (o) => BUILTIN_TYPE_INFO.get(o)): number {
  if (t === T.unknown) return T._text;
  const a = lookup(t)?.array;
  return a ? a : T._text;
}

/** Lower bound of an array type's subscripts: 0 for int2vector/oidvector, else 1. */
export function lowerBound(t: number): number {
  return t === T.int2vector || t === T.oidvector ? 0 : 1;
}

function quoteElem(s: string, delim = ','): string {
  if (s === '' || /^null$/i.test(s) || /[{}"\\\s]/.test(s) || s.includes(delim)) return '"' + s.replace(/(["\\])/g, '\\$1') + '"';
  return s;
}

/** A float in PostgreSQL's shortest round-trip text form. */
export function floatText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Object.is(n, -0)) return '-0';
  const s = String(n);
  // JavaScript writes 1e+21, PostgreSQL 1e+21 as well; small exponents: 1e-7 both.
  return s;
}

/** Text output of a value of type `t`; `name` renders reg* oids. */
export function formatValue(v: Value, t: number, name: (t: number, oid: number) => string): string | null {
  if (v === null) return null;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') {
    if (isReg(t)) return name(t, v);
    if (FLOATS.has(t)) return floatText(v);
    if (t === T.numeric) return Number.isInteger(v) ? String(v) : String(v);
    return Number.isFinite(v) ? String(v) : floatText(v);
  }
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    const et = elemOf(t) || T.text;
    if (t === T.int2vector || t === T.oidvector) return v.map((x) => (x === null ? '0' : String(x))).join(' ');
    return '{' + v.map((x) => (x === null ? 'NULL' : Array.isArray(x) ? formatValue(x, t, name)! : quoteElem(formatValue(x, et, name) ?? ''))).join(',') + '}';
  }
  return (
    '(' +
    v.values
      .map((x, i) => {
        const s = formatValue(x, v.types[i] ?? T.text, name);
        if (s === null) return '';
        return s === '' || /[,()"\\\s]/.test(s) ? '"' + s.replace(/(["\\])/g, '$1$1') + '"' : s;
      })
      .join(',') +
    ')'
  );
}

/** Parses array text `{a,"b c",NULL}` (one dimension; nested braces kept as nested arrays). */
export function parseArrayText(s: string): (string | null | unknown[])[] {
  const src = s.trim();
  let i = 0;
  const fail = (): never => {
    throw new CatalogError('22P02', `malformed array literal: "${s}"`);
  };
  const parse = (): (string | null | unknown[])[] => {
    if (src[i] !== '{') fail();
    i++;
    const out: (string | null | unknown[])[] = [];
    while (i < src.length) {
      while (src[i] === ' ') i++;
      if (src[i] === '}') {
        i++;
        return out;
      }
      if (src[i] === '{') out.push(parse());
      else if (src[i] === '"') {
        i++;
        let v = '';
        while (i < src.length && src[i] !== '"') {
          if (src[i] === '\\') i++;
          v += src[i] ?? '';
          i++;
        }
        if (src[i] !== '"') fail();
        i++;
        out.push(v);
      } else {
        let v = '';
        while (i < src.length && src[i] !== ',' && src[i] !== '}') {
          if (src[i] === '\\') i++;
          v += src[i] ?? '';
          i++;
        }
        v = v.trim();
        out.push(/^null$/i.test(v) ? null : v);
      }
      while (src[i] === ' ') i++;
      if (src[i] === ',') i++;
      else if (src[i] !== '}') fail();
    }
    return fail();
  };
  const r = parse();
  if (src.slice(i).trim() !== '') fail();
  return r;
}

/** Three-way comparison of two non-null values of compatible types. */
export function compareValues(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const x = a[i] ?? null;
      const y = b[i] ?? null;
      if (x === null || y === null) {
        if (x !== y) return x === null ? 1 : -1;
        continue;
      }
      const c = compareValues(x, y);
      if (c) return c;
    }
    return a.length - b.length;
  }
  if (a instanceof Rec && b instanceof Rec) return compareValues(a.values as Value[], b.values as Value[]);
  // Mixed kinds: compare their text.
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** A key under which equal values collide (hash joins, DISTINCT, GROUP BY). */
export function valueKey(v: Value): string {
  if (v === null) return 'N';
  if (typeof v === 'number') return 'n' + v;
  if (typeof v === 'string') return 's' + v;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (Array.isArray(v)) return '[' + v.map(valueKey).join('\u0001') + ']';
  return '(' + v.values.map(valueKey).join('\u0001') + ')';
}

/** SQL spellings of built-in type names, for ::casts and regtype input. */
export const TYPE_ALIASES: ReadonlyMap<string, string> = new Map([
  ['integer', 'int4'],
  ['int', 'int4'],
  ['smallint', 'int2'],
  ['bigint', 'int8'],
  ['real', 'float4'],
  ['float', 'float8'],
  ['double precision', 'float8'],
  ['boolean', 'bool'],
  ['character varying', 'varchar'],
  ['character', 'bpchar'],
  ['char', 'bpchar'],
  ['decimal', 'numeric'],
  ['dec', 'numeric'],
  ['timestamp without time zone', 'timestamp'],
  ['timestamp with time zone', 'timestamptz'],
  ['time without time zone', 'time'],
  ['time with time zone', 'timetz'],
  ['bit varying', 'varbit'],
  ['"char"', 'char'],
]);

/** format_type's names of built-in types (without typmod). */
export const SQL_TYPE_NAMES: ReadonlyMap<string, string> = new Map([
  ['bool', 'boolean'],
  ['int2', 'smallint'],
  ['int4', 'integer'],
  ['int8', 'bigint'],
  ['float4', 'real'],
  ['float8', 'double precision'],
  ['bpchar', 'character'],
  ['varchar', 'character varying'],
  ['timestamp', 'timestamp without time zone'],
  ['timestamptz', 'timestamp with time zone'],
  ['time', 'time without time zone'],
  ['timetz', 'time with time zone'],
  ['varbit', 'bit varying'],
  ['char', '"char"'],
]);
