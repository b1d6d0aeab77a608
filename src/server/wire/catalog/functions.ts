import { createHash } from 'node:crypto';
import { KEYWORDS } from './builtin-data.js';
import type { CatalogData } from './catalog-data.js';
import { DATABASE_OID, PG_CATALOG_OID, PUBLIC_OID, ROLE_OID } from './catalog-data.js';
import {
  CatalogError,
  Rec,
  T,
  TYPE_ALIASES,
  arrayOf,
  compareValues,
  elemOf,
  formatValue,
  isInteger,
  isNumeric,
  isReg,
  isTextual,
  lowerBound,
  parseArrayText,
  type TV,
  type Value,
} from './values.js';

/** What scalar functions and casts may consult. */
export interface FnContext {
  readonly data: CatalogData;
  readonly settings: ReadonlyMap<string, { name: string; setting: string }>;
  readonly startedAt: Date;
}

/** The text of a reg* value: the object's name, '-' for 0, the number when nothing has that oid. */
export function regName(c: FnContext, t: number, oid: number): string {
  if (oid === 0) return '-';
  const d = c.data;
  switch (t) {
    case T.regclass: {
      const r = d.relByOid(oid);
      if (!r) return String(oid);
      return d.inPath(r.nsp) ? quoteIdent(r.name) : `${quoteIdent(r.schema)}.${quoteIdent(r.name)}`;
    }
    case T.regtype:
      return d.types.has(oid) ? (d.typeName(oid) ?? String(oid)) : String(oid);
    case T.regproc:
    case T.regprocedure: {
      const p = d.procs.get(oid);
      if (!p) return String(oid);
      return t === T.regproc ? p.name : `${p.name}(${p.argtypes.map((a) => d.typeName(a)).join(',')})`;
    }
    case T.regnamespace:
      return d.nspName(oid) ?? String(oid);
    case T.regrole:
      return oid === ROLE_OID ? d.surface.user : String(oid);
    default:
      return String(oid);
  }
}

export function textOf(c: FnContext, tv: TV): string | null {
  return formatValue(tv.v, tv.t, (t, oid) => regName(c, t, oid));
}

export function quoteIdent(s: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(s) && !RESERVED.has(s) ? s : `"${s.replace(/"/g, '""')}"`;
}
const RESERVED = new Set(
  'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral leading limit localtime localtimestamp not null offset on only or order placing primary references returning select session_user some symmetric system_user table then to trailing true union unique user using variadic when where window with'.split(
    ' ',
  ),
);

/** Splits a possibly qualified, possibly quoted name: `a."B c"` → ['a', 'B c']. */
export function splitQualified(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  const src = s.trim();
  while (i <= src.length) {
    let part = '';
    if (src[i] === '"') {
      i++;
      while (i < src.length) {
        if (src[i] === '"' && src[i + 1] === '"') {
          part += '"';
          i += 2;
        } else if (src[i] === '"') {
          i++;
          break;
        } else part += src[i++];
      }
    } else {
      while (i < src.length && src[i] !== '.') part += src[i++];
      part = part.trim().toLowerCase();
    }
    out.push(part);
    if (src[i] === '.') i++;
    else break;
  }
  return out;
}

/** A type oid from its SQL spelling (`integer`, `pg_catalog.int4`, `character varying(3)`, `text[]`). */
export function typeFromText(c: FnContext, s: string): number | undefined {
  let src = s.trim();
  let dims = 0;
  while (/\[\s*\d*\s*\]$/.test(src)) {
    src = src.replace(/\[\s*\d*\s*\]$/, '').trim();
    dims++;
  }
  src = src.replace(/\(\s*\d+(\s*,\s*\d+)?\s*\)/g, '').replace(/\s+/g, ' ').trim();
  const quotedChar = src === '"char"' || src === 'pg_catalog."char"';
  let parts = quotedChar ? ['pg_catalog', 'char'] : splitQualified(src);
  if (parts.length === 1 && !quotedChar) parts = [TYPE_ALIASES.get(parts[0]!) ?? parts[0]!];
  else if (parts.length === 2 && parts[0] === 'pg_catalog' && !quotedChar) parts = ['pg_catalog', TYPE_ALIASES.get(parts[1]!) ?? parts[1]!];
  return typeByNames(c, parts, dims);
}

export function typeByNames(c: FnContext, parts: readonly string[], dims = 0): number | undefined {
  const d = c.data;
  const name = parts[parts.length - 1]!;
  const schema = parts.length > 1 ? parts[parts.length - 2]! : null;
  let ty;
  if (schema) {
    const nsp = schema === 'pg_catalog' ? PG_CATALOG_OID : d.namespaces.find((n) => n.name === schema)?.oid;
    ty = nsp === undefined ? undefined : d.typeByName.get(`${nsp}.${name}`);
  } else ty = d.typeByName.get(`${PG_CATALOG_OID}.${name}`) ?? d.typeByName.get(`${PUBLIC_OID}.${name}`);
  if (!ty) return undefined;
  let oid = ty.oid;
  for (let i = 0; i < dims; i++) oid = d.types.get(oid)?.array || oid;
  return oid;
}

function relFromText(c: FnContext, s: string): number {
  const parts = splitQualified(s);
  const r = parts.length >= 2 ? c.data.rel(parts[parts.length - 2]!, parts[parts.length - 1]!) : c.data.rel(null, parts[0] ?? '');
  if (!r) throw new CatalogError('42P01', `relation "${s}" does not exist`);
  return r.oid;
}

const num = (c: FnContext, tv: TV, target: number): number => {
  const v = tv.v;
  if (typeof v === 'number') return isInteger(target) && !isInteger(tv.t) ? Math.round(v) : v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const s = typeof v === 'string' ? v.trim() : String(textOf(c, tv));
  const n = isInteger(target) ? (/^[+-]?\d+$/.test(s) ? Number(s) : NaN) : /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : /^(nan|[+-]?infinity)$/i.test(s) ? Number(s.replace(/infinity/i, 'Infinity').replace(/nan/i, 'NaN')) : NaN;
  if (Number.isNaN(n) && !/^nan$/i.test(s)) throw new CatalogError('22P02', `invalid input syntax for type ${c.data.typeName(target)}: "${s}"`);
  if (target === T.int2 && (n < -32768 || n > 32767)) throw new CatalogError('22003', 'smallint out of range');
  if (target === T.int4 && (n < -2147483648 || n > 2147483647)) throw new CatalogError('22003', 'integer out of range');
  return n;
};

/** `value::type`: PostgreSQL's input/output conversions between the catalog's types. */
export function cast(c: FnContext, tv: TV, target: number): TV {
  if (tv.t === target) return tv;
  const v = tv.v;
  if (v === null) return { t: target, v: null };
  const d = c.data;
  const src = tv.t;
  const elem = elemOf(target, (o) => d.types.get(o));
  if (elem) {
    if (Array.isArray(v)) return { t: target, v: v.map((x) => cast(c, { t: elemOf(src, (o) => d.types.get(o)) || T.unknown, v: x }, elem).v) };
    if (typeof v === 'string') {
      if (target === T.int2vector || target === T.oidvector) return { t: target, v: v.trim() === '' ? [] : v.trim().split(/\s+/).map((x) => num(c, { t: T.text, v: x }, elem)) };
      const conv = (xs: unknown[]): Value[] => xs.map((x) => (x === null ? null : Array.isArray(x) ? conv(x) : cast(c, { t: T.unknown, v: x as string }, elem).v));
      return { t: target, v: conv(parseArrayText(v)) };
    }
    throw new CatalogError('42846', `cannot cast type ${d.typeName(src)} to ${d.typeName(target)}`);
  }
  if (target === T.text || target === T.varchar || target === T.name || target === T.bpchar || target === T.unknown || target === T.cstring || target === T.json || target === T.jsonb || target === T.pg_node_tree) {
    if (typeof v === 'boolean' && src === T.bool) return { t: target, v: v ? 'true' : 'false' };
    return { t: target, v: textOf(c, tv) };
  }
  if (target === T.char) {
    const s = textOf(c, tv) ?? '';
    return { t: target, v: s.slice(0, 1) };
  }
  if (target === T.bool) {
    if (typeof v === 'boolean') return { t: target, v };
    if (typeof v === 'number' && isInteger(src)) return { t: target, v: v !== 0 };
    const s = String(textOf(c, tv)).trim().toLowerCase();
    if (['t', 'true', 'y', 'yes', 'on', '1'].includes(s)) return { t: target, v: true };
    if (['f', 'false', 'n', 'no', 'off', '0'].includes(s)) return { t: target, v: false };
    throw new CatalogError('22P02', `invalid input syntax for type boolean: "${s}"`);
  }
  if (isReg(target) && typeof v === 'string' && isTextual(src)) {
    const s = v.trim();
    if (/^\d+$/.test(s)) return { t: target, v: Number(s) };
    if (s === '-') return { t: target, v: 0 };
    switch (target) {
      case T.regclass:
        return { t: target, v: relFromText(c, s) };
      case T.regtype: {
        const o = typeFromText(c, s);
        if (o === undefined) throw new CatalogError('42704', `type "${s}" does not exist`);
        return { t: target, v: o };
      }
      case T.regproc:
      case T.regprocedure: {
        const parts = splitQualified(s.replace(/\(.*\)$/, ''));
        const p = d.procByName.get(parts[parts.length - 1] ?? '');
        if (!p) throw new CatalogError('42883', `function "${s}" does not exist`);
        return { t: target, v: p.oid };
      }
      case T.regnamespace: {
        const n = d.namespaces.find((x) => x.name === splitQualified(s)[0]);
        if (!n) throw new CatalogError('3F000', `schema "${s}" does not exist`);
        return { t: target, v: n.oid };
      }
      case T.regrole: {
        if (splitQualified(s)[0] !== d.surface.user) throw new CatalogError('42704', `role "${s}" does not exist`);
        return { t: target, v: ROLE_OID };
      }
      default:
        throw new CatalogError('0A000', `casting text to ${d.typeName(target)} is not supported by the virtual catalog`);
    }
  }
  if (isNumeric(target)) {
    if (Array.isArray(v) || v instanceof Rec) throw new CatalogError('42846', `cannot cast type ${d.typeName(src)} to ${d.typeName(target)}`);
    return { t: target, v: num(c, tv, target) };
  }
  if (target === T.date || target === T.timestamp || target === T.timestamptz || target === T.time || target === T.interval || target === 1266) {
    return { t: target, v: textOf(c, tv) };
  }
  if (target === T.record || target === T.void || target === T.anyarray) return { t: target === T.anyarray ? src : target, v };
  const info = d.types.get(target);
  if (!info) throw new CatalogError('42704', `type with oid ${target} does not exist`);
  return { t: target, v: textOf(c, tv) };
}

/** Arguments' values after the function's input conversions. */
const str = (c: FnContext, a: TV | undefined): string | null => (a === undefined || a.v === null ? null : a.t === T.bool ? (a.v ? 'true' : 'false') : textOf(c, a));
const int = (c: FnContext, a: TV | undefined): number | null => (a === undefined || a.v === null ? null : (cast(c, a, T.int8).v as number));
const arr = (a: TV | undefined): Value[] | null => (a === undefined || a.v === null ? null : Array.isArray(a.v) ? a.v : null);

export interface FnDef {
  /** Result type, from the argument types. */
  readonly ret: number | ((args: readonly number[]) => number);
  readonly fn: (c: FnContext, args: TV[]) => Value;
  /** Strict: any null argument gives null without calling fn. */
  readonly strict?: boolean;
}

export interface SrfDef {
  /** Column names and types of each produced row (one column for scalar results). */
  readonly cols: (args: readonly number[]) => { name: string; t: number }[];
  readonly rows: (c: FnContext, args: TV[]) => Value[][];
}

const MAX_SERIES = 1_000_000;

const settingValue = (c: FnContext, name: string, missingOk: boolean): string | null => {
  const s = c.settings.get(name.toLowerCase());
  if (s) return s.setting;
  if (missingOk) return null;
  throw new CatalogError('42704', `unrecognized configuration parameter "${name}"`);
};

const regexCache = new Map<string, RegExp>();
export function pgRegex(pattern: string, flags: string): RegExp {
  const key = flags + '\u0000' + pattern;
  let re = regexCache.get(key);
  if (!re) {
    const src = pattern
      .replace(/\[\[:alpha:\]\]/g, '[A-Za-z]')
      .replace(/\[\[:digit:\]\]/g, '[0-9]')
      .replace(/\[\[:alnum:\]\]/g, '[A-Za-z0-9]')
      .replace(/\[\[:space:\]\]/g, '\\s')
      .replace(/\\m/g, '\\b')
      .replace(/\\M/g, '\\b')
      .replace(/\\y/g, '\\b');
    // JavaScript's engine backtracks: refuse quantified groups that contain quantifiers or
    // alternations ((a+)+, (a|a)*), whose matching time can explode; catalog patterns never need them.
    if (/\((?:[^()\\]|\\.)*(?:[+*?}|])(?:[^()\\]|\\.)*\)\s*(?:[+*?]|\{\d)/.test(src) || /\\[1-9]/.test(src)) {
      throw new CatalogError('2201B', `invalid regular expression: "${pattern}" is too complex for the virtual catalog (quantified groups containing quantifiers, back references)`);
    }
    if (src.length > 1000) throw new CatalogError('2201B', 'invalid regular expression: longer than 1000 characters');
    try {
      re = new RegExp(src, flags);
    } catch (e) {
      throw new CatalogError('2201B', `invalid regular expression: ${(e as Error).message}`);
    }
    if (regexCache.size > 500) regexCache.clear();
    regexCache.set(key, re);
  }
  return re;
}

/**
 * LIKE / ILIKE: `%` any run, `_` one character, `\\` escapes. A two-pointer match that backtracks
 * only to the last `%`, so time is O(text × pattern) whatever the pattern.
 */
export function likeMatch(text: string, pattern: string, insensitive: boolean): boolean {
  const t = [...(insensitive ? text.toLowerCase() : text)];
  const p: { ch: string; kind: 'lit' | 'any' | 'one' }[] = [];
  const src = [...(insensitive ? pattern.toLowerCase() : pattern)];
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === '\\' && i + 1 < src.length) p.push({ ch: src[++i]!, kind: 'lit' });
    else if (ch === '%') p.push({ ch, kind: 'any' });
    else if (ch === '_') p.push({ ch, kind: 'one' });
    else p.push({ ch, kind: 'lit' });
  }
  let ti = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    const q = p[pi];
    if (q && (q.kind === 'one' || (q.kind === 'lit' && q.ch === t[ti]))) {
      ti++;
      pi++;
    } else if (q && q.kind === 'any') {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else return false;
  }
  while (p[pi]?.kind === 'any') pi++;
  return pi === p.length;
}

const sizePretty = (n: number): string => {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 10 * 1024 - 0.5 && u < units.length - 1) {
    v = Math.round(v / 1024);
    u++;
  }
  return `${v} ${units[u]}`;
};

const pgTimestamp = (d: Date): string => d.toISOString().replace('T', ' ').replace('Z', '+00');

const visible = (c: FnContext, kind: 'rel' | 'type' | 'proc', oid: number): boolean => {
  if (kind === 'rel') {
    const r = c.data.relByOid(oid);
    return !!r && c.data.inPath(r.nsp) && c.data.rel(null, r.name) === r;
  }
  if (kind === 'type') {
    const t = c.data.types.get(oid);
    return !!t && c.data.inPath(t.namespace);
  }
  return c.data.procs.has(oid);
};

const descr = (c: FnContext, objoid: number, classoid: number, sub: number): string | null => {
  const d = c.data;
  if (classoid === 1259) {
    const r = d.relByOid(objoid);
    if (!r?.user) return null;
    if (sub === 0) return r.user.description || null;
    return r.user.columns[sub - 1]?.description || null;
  }
  if (classoid === 1247 && sub === 0) return d.types.get(objoid)?.description || null;
  return null;
};

const catalogClassOid = (c: FnContext, name: string | null): number => {
  if (name === null) return 0;
  return c.data.rel('pg_catalog', name.replace(/^pg_catalog\./, ''))?.oid ?? -1;
};

const text = (fn: (c: FnContext, a: TV[]) => Value): FnDef => ({ ret: T.text, fn, strict: true });
const bool = (fn: (c: FnContext, a: TV[]) => Value): FnDef => ({ ret: T.bool, fn });
const truePriv = bool(() => true);

/** Scalar functions by name (pg_catalog's; the schema prefix is optional). */
export const FUNCTIONS: ReadonlyMap<string, FnDef> = new Map<string, FnDef>([
  ['version', text((c) => `PostgreSQL ${c.data.surface.serverVersion} (Strata semantic layer) on x86_64-pc-linux-gnu, compiled by Strata, 64-bit`)],
  ['current_database', { ret: T.name, fn: (c) => c.data.surface.database }],
  ['current_catalog', { ret: T.name, fn: (c) => c.data.surface.database }],
  ['current_schema', { ret: T.name, fn: (c) => c.data.surface.schema }],
  ['current_schemas', { ret: T._name, fn: (c, a) => (a[0]?.v ? ['pg_catalog', c.data.surface.schema] : [c.data.surface.schema]) }],
  ['current_user', { ret: T.name, fn: (c) => c.data.surface.user }],
  ['session_user', { ret: T.name, fn: (c) => c.data.surface.user }],
  ['current_role', { ret: T.name, fn: (c) => c.data.surface.user }],
  ['user', { ret: T.name, fn: (c) => c.data.surface.user }],
  ['current_setting', { ret: T.text, fn: (c, a) => (a[0]?.v === null ? null : settingValue(c, str(c, a[0])!, a[1]?.v === true)) }],
  ['set_config', { ret: T.text, fn: (c, a) => str(c, a[1]) }],
  ['pg_backend_pid', { ret: T.int4, fn: () => process.pid }],
  ['pg_postmaster_start_time', { ret: T.timestamptz, fn: (c) => pgTimestamp(c.startedAt) }],
  ['pg_conf_load_time', { ret: T.timestamptz, fn: (c) => pgTimestamp(c.startedAt) }],
  ['now', { ret: T.timestamptz, fn: () => pgTimestamp(new Date()) }],
  ['transaction_timestamp', { ret: T.timestamptz, fn: () => pgTimestamp(new Date()) }],
  ['statement_timestamp', { ret: T.timestamptz, fn: () => pgTimestamp(new Date()) }],
  ['clock_timestamp', { ret: T.timestamptz, fn: () => pgTimestamp(new Date()) }],
  ['inet_server_addr', { ret: T.inet, fn: () => null }],
  ['inet_server_port', { ret: T.int4, fn: () => null }],
  ['inet_client_addr', { ret: T.inet, fn: () => null }],
  ['pg_is_in_recovery', bool(() => false)],
  ['txid_current', { ret: T.int8, fn: () => 1000 }],
  ['pg_current_xact_id', { ret: 5069, fn: () => 1000 }],
  ['pg_my_temp_schema', { ret: T.oid, fn: () => 0 }],
  ['pg_is_other_temp_schema', bool(() => false)],
  ['pg_encoding_to_char', { ret: T.name, fn: (c, a) => (int(c, a[0]) === 6 ? 'UTF8' : int(c, a[0]) === 0 ? 'SQL_ASCII' : ''), strict: true }],
  ['pg_char_to_encoding', { ret: T.int4, fn: (c, a) => (/^utf-?8$/i.test(str(c, a[0]) ?? '') ? 6 : -1), strict: true }],
  ['pg_encoding_max_length', { ret: T.int4, fn: () => 4, strict: true }],
  ['getdatabaseencoding', { ret: T.name, fn: () => 'UTF8' }],
  ['pg_client_encoding', { ret: T.name, fn: () => 'UTF8' }],
  ['format_type', { ret: T.text, fn: (c, a) => (a[0]?.v === null ? null : c.data.typeName(int(c, a[0])!, int(c, a[1]) ?? -1)) }],
  ['pg_table_is_visible', { ret: T.bool, fn: (c, a) => visible(c, 'rel', int(c, a[0])!), strict: true }],
  ['pg_type_is_visible', { ret: T.bool, fn: (c, a) => visible(c, 'type', int(c, a[0])!), strict: true }],
  ['pg_function_is_visible', { ret: T.bool, fn: (c, a) => visible(c, 'proc', int(c, a[0])!), strict: true }],
  ...['pg_collation_is_visible', 'pg_opclass_is_visible', 'pg_opfamily_is_visible', 'pg_operator_is_visible', 'pg_conversion_is_visible', 'pg_statistics_obj_is_visible', 'pg_ts_config_is_visible', 'pg_ts_dict_is_visible', 'pg_ts_parser_is_visible', 'pg_ts_template_is_visible'].map(
    (n): [string, FnDef] => [n, { ret: T.bool, fn: () => true, strict: true }],
  ),
  ['pg_tablespace_location', { ret: T.text, fn: () => '', strict: true }],
  [
    'format',
    {
      ret: T.text,
      fn: (c, a) => {
        if (a[0]?.v === null) return null;
        const f = str(c, a[0])!;
        let next = 1;
        return f.replace(/%(?:(\d+)\$)?([sIL%])/g, (_m, pos: string | undefined, kind: string) => {
          if (kind === '%') return '%';
          const i = pos ? Number(pos) : next;
          next = i + 1;
          const arg = a[i];
          if (!arg) throw new CatalogError('22023', 'too few arguments for format()');
          const v = arg.v === null ? null : Array.isArray(arg.v) ? textOf(c, arg) : str(c, arg);
          if (kind === 's') return v ?? '';
          if (kind === 'I') {
            if (v === null) throw new CatalogError('22004', 'null values cannot be formatted as an SQL identifier');
            return quoteIdent(v);
          }
          return v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`;
        });
      },
    },
  ],
  ['pg_get_userbyid', { ret: T.name, fn: (c, a) => (int(c, a[0]) === ROLE_OID ? c.data.surface.user : `unknown (OID=${int(c, a[0])})`), strict: true }],
  [
    'obj_description',
    {
      ret: T.text,
      fn: (c, a) => {
        if (a[0]?.v === null || (a.length > 1 && a[1]?.v === null)) return null;
        const oid = int(c, a[0])!;
        if (a.length === 1) return descr(c, oid, 1259, 0) ?? descr(c, oid, 1247, 0);
        return descr(c, oid, catalogClassOid(c, str(c, a[1])), 0);
      },
    },
  ],
  ['col_description', { ret: T.text, fn: (c, a) => descr(c, int(c, a[0])!, 1259, int(c, a[1])!), strict: true }],
  ['shobj_description', { ret: T.text, fn: () => null, strict: true }],
  ['pg_get_expr', { ret: T.text, fn: (c, a) => (a[0]?.v === null ? null : str(c, a[0])), strict: false }],
  ['pg_get_indexdef', { ret: T.text, fn: () => null, strict: true }],
  ['pg_get_constraintdef', { ret: T.text, fn: () => null, strict: true }],
  ['pg_get_triggerdef', { ret: T.text, fn: () => null, strict: true }],
  ['pg_get_ruledef', { ret: T.text, fn: () => null, strict: true }],
  ['pg_get_partkeydef', { ret: T.text, fn: () => null, strict: true }],
  ['pg_get_statisticsobjdef_columns', { ret: T.text, fn: () => null, strict: true }],
  ['pg_get_viewdef', { ret: T.text, fn: () => null, strict: true }],
  ['pg_get_function_result', { ret: T.text, fn: (c, a) => { const p = c.data.procs.get(int(c, a[0])!); return p ? (p.retset ? 'SETOF ' : '') + c.data.typeName(p.rettype) : null; }, strict: true }],
  ['pg_get_function_arguments', { ret: T.text, fn: (c, a) => { const p = c.data.procs.get(int(c, a[0])!); return p ? p.argtypes.map((x) => c.data.typeName(x)).join(', ') : null; }, strict: true }],
  ['pg_get_function_identity_arguments', { ret: T.text, fn: (c, a) => { const p = c.data.procs.get(int(c, a[0])!); return p ? p.argtypes.map((x) => c.data.typeName(x)).join(', ') : null; }, strict: true }],
  ['pg_get_serial_sequence', { ret: T.text, fn: () => null, strict: true }],
  ['pg_relation_is_publishable', bool(() => false)],
  ['pg_relation_size', { ret: T.int8, fn: () => 0, strict: true }],
  ['pg_total_relation_size', { ret: T.int8, fn: () => 0, strict: true }],
  ['pg_table_size', { ret: T.int8, fn: () => 0, strict: true }],
  ['pg_indexes_size', { ret: T.int8, fn: () => 0, strict: true }],
  ['pg_database_size', { ret: T.int8, fn: () => 0, strict: true }],
  ['pg_size_pretty', { ret: T.text, fn: (c, a) => sizePretty(Number(int(c, a[0]))), strict: true }],
  ['has_table_privilege', truePriv],
  ['has_column_privilege', truePriv],
  ['has_schema_privilege', truePriv],
  ['has_database_privilege', truePriv],
  ['has_function_privilege', truePriv],
  ['has_sequence_privilege', truePriv],
  ['has_type_privilege', truePriv],
  ['has_any_column_privilege', truePriv],
  ['pg_has_role', truePriv],
  ['row_security_active', bool(() => false)],
  ['quote_ident', text((c, a) => quoteIdent(str(c, a[0])!))],
  ['quote_literal', text((c, a) => `'${str(c, a[0])!.replace(/'/g, "''")}'`)],
  ['quote_nullable', { ret: T.text, fn: (c, a) => (a[0]?.v === null ? 'NULL' : `'${str(c, a[0])!.replace(/'/g, "''")}'`) }],
  [
    'array_to_string',
    {
      ret: T.text,
      fn: (c, a) => {
        const xs = arr(a[0]);
        const sep = str(c, a[1]);
        if (xs === null || sep === null) return null;
        const nul = a[2] ? str(c, a[2]) : null;
        const et = elemOf(a[0]!.t) || T.text;
        const flat = (v: Value[]): Value[] => v.flatMap((x) => (Array.isArray(x) ? flat(x) : [x]));
        return flat(xs)
          .filter((x) => x !== null || nul !== null)
          .map((x) => (x === null ? nul : textOf(c, { t: et, v: x })))
          .join(sep);
      },
    },
  ],
  ['string_to_array', { ret: T._text, fn: (c, a) => { const s = str(c, a[0]); const d = str(c, a[1]); return s === null ? null : s === '' ? [] : d === null ? [...s] : s.split(d); } }],
  ['array_length', { ret: T.int4, fn: (c, a) => { const xs = arr(a[0]); return xs === null || xs.length === 0 || int(c, a[1]) !== 1 ? null : xs.length; }, strict: true }],
  ['cardinality', { ret: T.int4, fn: (_c, a) => arr(a[0])?.length ?? null, strict: true }],
  ['array_upper', { ret: T.int4, fn: (c, a) => { const xs = arr(a[0]); return xs === null || xs.length === 0 || int(c, a[1]) !== 1 ? null : xs.length - 1 + lowerBound(a[0]!.t); }, strict: true }],
  ['array_lower', { ret: T.int4, fn: (c, a) => { const xs = arr(a[0]); return xs === null || xs.length === 0 || int(c, a[1]) !== 1 ? null : lowerBound(a[0]!.t); }, strict: true }],
  ['array_position', { ret: T.int4, fn: (_c, a) => { const xs = arr(a[0]); if (!xs) return null; const i = xs.findIndex((x) => x !== null && a[1]!.v !== null && compareValues(x, a[1]!.v) === 0); return i < 0 ? null : i + lowerBound(a[0]!.t); } }],
  ['array_cat', { ret: (t) => t[0] ?? T._text, fn: (_c, a) => [...(arr(a[0]) ?? []), ...(arr(a[1]) ?? [])] }],
  ['array_append', { ret: (t) => t[0] ?? T._text, fn: (_c, a) => [...(arr(a[0]) ?? []), a[1]?.v ?? null] }],
  ['lower', text((c, a) => str(c, a[0])!.toLowerCase())],
  ['upper', text((c, a) => str(c, a[0])!.toUpperCase())],
  ['initcap', text((c, a) => str(c, a[0])!.toLowerCase().replace(/(^|[^a-z0-9])([a-z])/g, (_m, p: string, ch: string) => p + ch.toUpperCase()))],
  ['length', { ret: T.int4, fn: (c, a) => (Array.isArray(a[0]?.v) ? (a[0]!.v as Value[]).length : [...str(c, a[0])!].length), strict: true }],
  ['char_length', { ret: T.int4, fn: (c, a) => [...str(c, a[0])!].length, strict: true }],
  ['character_length', { ret: T.int4, fn: (c, a) => [...str(c, a[0])!].length, strict: true }],
  ['octet_length', { ret: T.int4, fn: (c, a) => Buffer.byteLength(str(c, a[0])!), strict: true }],
  ['textlen', { ret: T.int4, fn: (c, a) => [...str(c, a[0])!].length, strict: true }],
  [
    'substring',
    text((c, a) => {
      const s = [...str(c, a[0])!];
      if (a[1] && isTextual(a[1].t) && a[1].t !== T.unknown) {
        const m = pgRegex(str(c, a[1])!, '').exec(s.join(''));
        return m ? (m[1] ?? m[0]) : null;
      }
      const from = int(c, a[1])!;
      const len = a[2] ? int(c, a[2])! : Infinity;
      if (len < 0) throw new CatalogError('22011', 'negative substring length not allowed');
      const start = Math.max(from, 1);
      const end = from + len;
      return s.slice(start - 1, Math.max(start - 1, end - 1)).join('');
    }),
  ],
  ['substr', text((c, a) => { const s = [...str(c, a[0])!]; const from = int(c, a[1])!; const len = a[2] ? int(c, a[2])! : Infinity; const start = Math.max(from, 1); return s.slice(start - 1, Math.max(start - 1, from + len - 1)).join(''); })],
  ['position', { ret: T.int4, fn: (c, a) => str(c, a[0])!.indexOf(str(c, a[1])!) + 1, strict: true }],
  ['strpos', { ret: T.int4, fn: (c, a) => str(c, a[0])!.indexOf(str(c, a[1])!) + 1, strict: true }],
  ['replace', text((c, a) => str(c, a[0])!.split(str(c, a[1])!).join(str(c, a[2])!))],
  ['concat', { ret: T.text, fn: (c, a) => a.map((x) => (x.v === null ? '' : str(c, x))).join('') }],
  ['concat_ws', { ret: T.text, fn: (c, a) => (a[0]?.v === null ? null : a.slice(1).filter((x) => x.v !== null).map((x) => str(c, x)).join(str(c, a[0])!)) }],
  ['left', text((c, a) => { const s = [...str(c, a[0])!]; const n = int(c, a[1])!; return (n >= 0 ? s.slice(0, n) : s.slice(0, Math.max(0, s.length + n))).join(''); })],
  ['right', text((c, a) => { const s = [...str(c, a[0])!]; const n = int(c, a[1])!; return (n >= 0 ? s.slice(Math.max(0, s.length - n)) : s.slice(-n)).join(''); })],
  ['btrim', text((c, a) => trim(str(c, a[0])!, a[1] ? str(c, a[1])! : ' ', true, true))],
  ['ltrim', text((c, a) => trim(str(c, a[0])!, a[1] ? str(c, a[1])! : ' ', true, false))],
  ['rtrim', text((c, a) => trim(str(c, a[0])!, a[1] ? str(c, a[1])! : ' ', false, true))],
  ['repeat', text((c, a) => str(c, a[0])!.repeat(Math.max(0, Math.min(int(c, a[1])!, 100_000))))],
  ['md5', text((c, a) => require_md5(str(c, a[0])!))],
  [
    'regexp_replace',
    text((c, a) => {
      const flags = a[3] ? str(c, a[3])! : '';
      const re = pgRegex(str(c, a[1])!, (flags.includes('g') ? 'g' : '') + (flags.includes('i') ? 'i' : ''));
      return str(c, a[0])!.replace(re, str(c, a[2])!.replace(/\\(\d)/g, '$$$1').replace(/\\&/g, '$$&'));
    }),
  ],
  ['regexp_match', { ret: T._text, fn: (c, a) => { const m = pgRegex(str(c, a[1])!, a[2] && str(c, a[2])!.includes('i') ? 'i' : '').exec(str(c, a[0])!); return m ? (m.length > 1 ? m.slice(1).map((x) => x ?? null) : [m[0]]) : null; }, strict: true }],
  ['split_part', text((c, a) => { const parts = str(c, a[0])!.split(str(c, a[1])!); const n = int(c, a[2])!; return (n > 0 ? parts[n - 1] : parts[parts.length + n]) ?? ''; })],
  ['to_char', text((c, a) => str(c, a[0]))],
  ['abs', { ret: (t) => t[0] ?? T.numeric, fn: (c, a) => Math.abs(Number(a[0]!.v)), strict: true }],
  ['round', { ret: (t) => (t[0] === T.float8 ? T.float8 : T.numeric), fn: (c, a) => { const p = 10 ** (int(c, a[1]) ?? 0); return Math.round(Number(a[0]!.v) * p) / p; }, strict: true }],
  ['floor', { ret: (t) => (t[0] === T.float8 ? T.float8 : T.numeric), fn: (_c, a) => Math.floor(Number(a[0]!.v)), strict: true }],
  ['ceil', { ret: (t) => (t[0] === T.float8 ? T.float8 : T.numeric), fn: (_c, a) => Math.ceil(Number(a[0]!.v)), strict: true }],
  ['greatest', { ret: (t) => t.find((x) => x !== T.unknown) ?? T.text, fn: (_c, a) => a.map((x) => x.v).filter((x) => x !== null).reduce<Value>((m, x) => (m === null || compareValues(x, m) > 0 ? x : m), null) }],
  ['least', { ret: (t) => t.find((x) => x !== T.unknown) ?? T.text, fn: (_c, a) => a.map((x) => x.v).filter((x) => x !== null).reduce<Value>((m, x) => (m === null || compareValues(x, m) < 0 ? x : m), null) }],
  [
    'json_build_object',
    {
      ret: T.json,
      fn: (c, a) => {
        const parts: string[] = [];
        for (let i = 0; i + 1 < a.length; i += 2) parts.push(`${JSON.stringify(str(c, a[i]))} : ${jsonText(c, a[i + 1]!)}`);
        return `{${parts.join(', ')}}`;
      },
    },
  ],
  ['to_json', { ret: T.json, fn: (c, a) => jsonText(c, a[0]!) }],
  ['pg_typeof', { ret: T.regtype, fn: (_c, a) => (a[0]!.t === T.unknown ? T.unknown : a[0]!.t) }],
  ['to_regclass', { ret: T.regclass, fn: (c, a) => orNull(() => cast(c, { t: T.text, v: str(c, a[0]) }, T.regclass).v), strict: true }],
  ['to_regtype', { ret: T.regtype, fn: (c, a) => orNull(() => cast(c, { t: T.text, v: str(c, a[0]) }, T.regtype).v), strict: true }],
  ['to_regproc', { ret: T.regproc, fn: (c, a) => orNull(() => cast(c, { t: T.text, v: str(c, a[0]) }, T.regproc).v), strict: true }],
  ['to_regnamespace', { ret: T.regnamespace, fn: (c, a) => orNull(() => cast(c, { t: T.text, v: str(c, a[0]) }, T.regnamespace).v), strict: true }],
  ['to_regrole', { ret: T.regrole, fn: (c, a) => orNull(() => cast(c, { t: T.text, v: str(c, a[0]) }, T.regrole).v), strict: true }],
  ['pg_encoding', { ret: T.int4, fn: () => 6 }],
  ['pg_jit_available', bool(() => false)],
  ['database_oid', { ret: T.oid, fn: () => DATABASE_OID }],
]);

function orNull(f: () => Value): Value {
  try {
    return f();
  } catch (e) {
    if (e instanceof CatalogError) return null;
    throw e;
  }
}

function trim(s: string, chars: string, left: boolean, right: boolean): string {
  const set = new Set([...chars]);
  const xs = [...s];
  let i = 0;
  let j = xs.length;
  if (left) while (i < j && set.has(xs[i]!)) i++;
  if (right) while (j > i && set.has(xs[j - 1]!)) j--;
  return xs.slice(i, j).join('');
}

function jsonText(c: FnContext, tv: TV): string {
  const v = tv.v;
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' && !isReg(tv.t)) return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
  if (Array.isArray(v)) {
    const et = elemOf(tv.t) || T.text;
    return '[' + v.map((x) => jsonText(c, { t: et, v: x })).join(',') + ']';
  }
  return JSON.stringify(textOf(c, tv));
}

function require_md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

const KEYWORD_CATEGORIES: Readonly<Record<string, string>> = { U: 'unreserved', C: 'unreserved (cannot be function or type name)', T: 'reserved (can be function or type name)', R: 'reserved' };

/** Set-returning functions (in FROM, and in a select list where tools use them). */
export const SRFS: ReadonlyMap<string, SrfDef> = new Map<string, SrfDef>([
  [
    'generate_series',
    {
      cols: (t) => [{ name: 'generate_series', t: t[0] === T.int8 || t[1] === T.int8 ? T.int8 : t[0] === T.numeric ? T.numeric : T.int4 }],
      rows: (c, a) => {
        if (a.some((x) => x.v === null)) return [];
        const from = Number(cast(c, a[0]!, T.numeric).v);
        const to = Number(cast(c, a[1]!, T.numeric).v);
        const step = a[2] ? Number(cast(c, a[2], T.numeric).v) : 1;
        if (step === 0) throw new CatalogError('22023', 'step size cannot equal zero');
        const n = Math.floor((to - from) / step) + 1;
        if (n > MAX_SERIES) throw new CatalogError('54000', `generate_series would produce ${n} rows; the virtual catalog stops at ${MAX_SERIES}`);
        const out: Value[][] = [];
        for (let i = 0; i < n; i++) out.push([from + i * step]);
        return out;
      },
    },
  ],
  [
    'generate_subscripts',
    {
      cols: () => [{ name: 'generate_subscripts', t: T.int4 }],
      rows: (c, a) => {
        const xs = arr(a[0]);
        if (!xs || int(c, a[1]) !== 1) return [];
        const lb = lowerBound(a[0]!.t);
        const idx = xs.map((_x, i) => [i + lb] as Value[]);
        return a[2]?.v === true ? idx.reverse() : idx;
      },
    },
  ],
  [
    'unnest',
    {
      cols: (t) => [{ name: 'unnest', t: elemOf(t[0] ?? T._text) || T.text }],
      rows: (_c, a) => {
        const flat = (v: Value[]): Value[] => v.flatMap((x) => (Array.isArray(x) ? flat(x) : [x]));
        return flat(arr(a[0]) ?? []).map((x) => [x]);
      },
    },
  ],
  [
    '_pg_expandarray',
    {
      cols: (t) => [
        { name: 'x', t: elemOf(t[0] ?? T._text) || T.text },
        { name: 'n', t: T.int4 },
      ],
      rows: (_c, a) => (arr(a[0]) ?? []).map((x, i) => [x, i + 1]),
    },
  ],
  [
    'pg_get_keywords',
    {
      cols: () => [
        { name: 'word', t: T.text },
        { name: 'catcode', t: T.char },
        { name: 'barelabel', t: T.bool },
        { name: 'catdesc', t: T.text },
        { name: 'baredesc', t: T.text },
      ],
      rows: () => KEYWORDS.map(([word, code, bare]) => [word, code, bare, KEYWORD_CATEGORIES[code] ?? 'unknown', bare ? 'can be bare label' : 'requires AS']),
    },
  ],
  [
    'regexp_split_to_table',
    { cols: () => [{ name: 'regexp_split_to_table', t: T.text }], rows: (c, a) => (a[0]?.v === null ? [] : str(c, a[0])!.split(pgRegex(str(c, a[1])!, '')).map((x) => [x])) },
  ],
  ['json_each', { cols: () => [{ name: 'key', t: T.text }, { name: 'value', t: T.json }], rows: () => [] }],
]);

export { arrayOf, isReg, str as argText };
