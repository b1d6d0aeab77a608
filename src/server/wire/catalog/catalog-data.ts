import { BUILTIN_AMS, BUILTIN_PROCS, BUILTIN_RELATIONS, INFORMATION_SCHEMA_OID } from './builtin-data.js';
import { SURFACE_TYPE_OID, type CatalogSurface } from './surface.js';
import { BUILTIN_TYPE_INFO, SQL_TYPE_NAMES, T, type TypeInfo, type Value } from './values.js';

/**
 * The virtual catalog's relations, built once per surface from plain data: PostgreSQL 15's
 * built-in types, a few functions and every pg_catalog / information_schema relation's columns,
 * plus the surface's schema, tables, columns, comments and role.
 */

export interface ColDef {
  readonly name: string;
  readonly t: number;
}

export interface RelDef {
  readonly oid: number;
  readonly schema: string;
  readonly nsp: number;
  readonly name: string;
  readonly kind: 'r' | 'v';
  readonly cols: readonly ColDef[];
  /** Surface table: its columns as the catalog lists them. */
  readonly user?: { readonly description: string; readonly columns: readonly { name: string; t: number; description: string }[] };
}

export interface ProcInfo {
  readonly oid: number;
  readonly name: string;
  readonly kind: string;
  readonly retset: boolean;
  readonly rettype: number;
  readonly argtypes: number[];
  readonly lang: number;
}

export interface RowContext {
  readonly settings: ReadonlyMap<string, { name: string; setting: string }>;
}

/** The system columns a catalog table's rows carry after its own columns (found by name, not by `*`). */
export const SYSTEM_COLUMNS: readonly ColDef[] = [
  { name: 'tableoid', t: T.oid },
  { name: 'ctid', t: T.tid },
  { name: 'xmin', t: T.xid },
  { name: 'cmin', t: T.cid },
  { name: 'xmax', t: T.xid },
  { name: 'cmax', t: T.cid },
];

export const ROLE_OID = 10;
export const PUBLIC_OID = 2200;
export const PG_CATALOG_OID = 11;
export const DATABASE_OID = 16384;
const FIRST_USER_OID = 16400;

/** Settings every session reports (canonical name → value); the surface's and session's override. */
export const DEFAULT_SETTINGS: readonly [string, string][] = [
  ['application_name', ''],
  ['block_size', '8192'],
  ['client_encoding', 'UTF8'],
  ['client_min_messages', 'notice'],
  ['DateStyle', 'ISO, MDY'],
  ['default_transaction_isolation', 'read committed'],
  ['default_transaction_read_only', 'on'],
  ['extra_float_digits', '1'],
  ['integer_datetimes', 'on'],
  ['IntervalStyle', 'postgres'],
  ['is_superuser', 'off'],
  ['lc_collate', 'C.UTF-8'],
  ['lc_ctype', 'C.UTF-8'],
  ['lc_messages', 'C.UTF-8'],
  ['lc_monetary', 'C.UTF-8'],
  ['lc_numeric', 'C.UTF-8'],
  ['lc_time', 'C.UTF-8'],
  ['max_connections', '100'],
  ['max_identifier_length', '63'],
  ['max_index_keys', '32'],
  ['search_path', '"$user", public'],
  ['server_encoding', 'UTF8'],
  ['standard_conforming_strings', 'on'],
  ['statement_timeout', '0'],
  ['TimeZone', 'UTC'],
  ['transaction_isolation', 'read committed'],
  ['transaction_read_only', 'on'],
];

const DEFAULT_FOR = (t: number): Value => {
  if (t === T.bool) return false;
  if (t === T.int2 || t === T.int4 || t === T.int8 || t === T.oid || t === T.regproc || t === T.xid || t === T.float4) return 0;
  if (t === T.char) return '';
  return null;
};

export class CatalogData {
  readonly rels: RelDef[] = [];
  private readonly byName = new Map<string, RelDef>();
  private readonly byOid = new Map<number, RelDef>();
  readonly types = new Map<number, TypeInfo>(BUILTIN_TYPE_INFO);
  readonly typeByName = new Map<string, TypeInfo>();
  readonly procs = new Map<number, ProcInfo>();
  readonly procByName = new Map<string, ProcInfo>();
  readonly namespaces: { oid: number; name: string }[];
  private readonly cache = new Map<string, Value[][]>();

  constructor(readonly surface: CatalogSurface) {
    this.namespaces = [
      { oid: PG_CATALOG_OID, name: 'pg_catalog' },
      { oid: INFORMATION_SCHEMA_OID, name: 'information_schema' },
      ...(surface.schema === 'pg_catalog' || surface.schema === 'information_schema' ? [] : [{ oid: PUBLIC_OID, name: surface.schema }]),
    ];
    for (const [schema, name, oid, kind, cols] of BUILTIN_RELATIONS) {
      this.addRel({
        oid,
        schema,
        nsp: schema === 'pg_catalog' ? PG_CATALOG_OID : INFORMATION_SCHEMA_OID,
        name,
        kind: kind === 'v' ? 'v' : 'r',
        cols: cols.split(' ').map((c) => {
          const i = c.lastIndexOf(':');
          return { name: c.slice(0, i), t: Number(c.slice(i + 1)) };
        }),
      });
    }
    let next = FIRST_USER_OID;
    const userNsp = this.namespaces.find((n) => n.name === surface.schema)!;
    for (const t of surface.tables) {
      const oid = next;
      next += 3;
      if (this.byName.has(`${surface.schema}.${t.name}`)) continue;
      const columns = t.columns.map((c) => ({ name: c.name, t: SURFACE_TYPE_OID[c.type] ?? T.text, description: c.description }));
      this.addRel({ oid, schema: surface.schema, nsp: userNsp.oid, name: t.name, kind: 'r', cols: columns.map((c) => ({ name: c.name, t: c.t })), user: { description: t.description, columns } });
      const base = { namespace: userNsp.oid, byval: false, preferred: false, delim: ',', modin: 0, modout: 0, analyze: 0, align: 'd', storage: 'x', collation: 0, description: '' };
      // As PostgreSQL assigns them: the array type's oid first, then the row type's.
      this.types.set(oid + 2, { ...base, oid: oid + 2, name: t.name, len: -1, type: 'c', category: 'C', relid: oid, elem: 0, array: oid + 1, input: 2290, output: 2291, receive: 2402, send: 2403, subscript: 0 });
      this.types.set(oid + 1, { ...base, oid: oid + 1, name: `_${t.name}`, len: -1, type: 'b', category: 'A', relid: 0, elem: oid + 2, array: 0, input: 750, output: 751, receive: 2400, send: 2401, subscript: 6179, analyze: 3816 });
    }
    for (const ty of this.types.values()) {
      const key = `${ty.namespace}.${ty.name}`;
      if (!this.typeByName.has(key)) this.typeByName.set(key, ty);
    }
    for (const [oid, name, kind, retset, rettype, args, , lang] of BUILTIN_PROCS) {
      const p: ProcInfo = { oid, name, kind, retset, rettype, argtypes: args ? args.split(' ').map(Number) : [], lang };
      this.procs.set(oid, p);
      if (!this.procByName.has(name)) this.procByName.set(name, p);
    }
  }

  private addRel(r: RelDef): void {
    this.rels.push(r);
    this.byName.set(`${r.schema}.${r.name}`, r);
    this.byOid.set(r.oid, r);
  }

  /** A relation by schema and name; unqualified names search pg_catalog, then the surface's schema. */
  rel(schema: string | null, name: string): RelDef | undefined {
    if (schema !== null) return this.byName.get(`${schema}.${name}`);
    return this.byName.get(`pg_catalog.${name}`) ?? this.byName.get(`${this.surface.schema}.${name}`);
  }

  relByOid(oid: number): RelDef | undefined {
    return this.byOid.get(oid);
  }

  nspName(oid: number): string | undefined {
    return this.namespaces.find((n) => n.oid === oid)?.name;
  }

  /** Whether an unqualified name finds this schema's objects (pg_catalog and the surface's schema). */
  inPath(nsp: number): boolean {
    return nsp === PG_CATALOG_OID || nsp === PUBLIC_OID;
  }

  /** The rows of a relation, columns in `def.cols` order. */
  rows(def: RelDef, ctx: RowContext): Value[][] {
    if (def.schema === 'pg_catalog' && def.name === 'pg_settings') return this.settingsRows(def, ctx);
    const key = `${def.schema}.${def.name}`;
    let r = this.cache.get(key);
    if (!r) {
      r = this.build(def);
      this.cache.set(key, r);
    }
    return r;
  }

  /** Rows in column order; tables get their system columns (SYSTEM_COLUMNS) appended. */
  private shape(def: RelDef, objs: Record<string, Value>[]): Value[][] {
    const sys = def.kind === 'r';
    return objs.map((o, i) => {
      const row = def.cols.map((c) => (Object.hasOwn(o, c.name) ? o[c.name]! : DEFAULT_FOR(c.t)));
      if (sys) row.push(def.oid, `(0,${i + 1})`, 716, 0, 0, 0);
      return row;
    });
  }

  private settingsRows(def: RelDef, ctx: RowContext): Value[][] {
    const rows = [...ctx.settings.values()]
      .sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1))
      .map((s) => ({ name: s.name, setting: s.setting, category: 'Ungrouped', short_desc: s.name, context: 'user', vartype: 'string', source: 'default', boot_val: s.setting, reset_val: s.setting, pending_restart: false }));
    return this.shape(def, rows);
  }

  /** format_type(oid, NULL) */
  typeName(oid: number, typmod = -1): string | null {
    if (oid === 0) return '-';
    const ty = this.types.get(oid);
    if (!ty) return '???';
    if (ty.elem && ty.subscript === 6179 && oid !== T.int2vector && oid !== T.oidvector) {
      const e = this.typeName(ty.elem, typmod);
      return e === null ? null : e + '[]';
    }
    let n = SQL_TYPE_NAMES.get(ty.name) ?? (/^[a-z_][a-z0-9_$]*$/.test(ty.name) ? ty.name : `"${ty.name.replace(/"/g, '""')}"`);
    if (typmod >= 0) {
      if (ty.name === 'varchar' || ty.name === 'bpchar') n += `(${typmod - 4})`;
      else if (ty.name === 'timestamp' || ty.name === 'timestamptz' || ty.name === 'time' || ty.name === 'timetz') n = n.replace(/^(\w+)/, `$1(${typmod})`);
      else if (ty.name === 'interval' && typmod <= 6) n += `(${typmod})`;
      else if (ty.name === 'bit' || ty.name === 'varbit') n += `(${typmod})`;
      else if (ty.name === 'numeric' && typmod >= 4) n += `(${((typmod - 4) >> 16) & 0xffff},${(typmod - 4) & 0xffff})`;
    }
    if (!this.inPath(ty.namespace)) n = `${this.nspName(ty.namespace) ?? '???'}.${n}`;
    return n;
  }

  private build(def: RelDef): Value[][] {
    const s = this.surface;
    const user = this.rels.filter((r) => r.user);
    const db = s.database;
    const o = (x: Record<string, Value>): Record<string, Value> => x;
    switch (`${def.schema}.${def.name}`) {
      case 'pg_catalog.pg_namespace':
        return this.shape(def, this.namespaces.map((n) => o({ oid: n.oid, nspname: n.name, nspowner: ROLE_OID })));
      case 'pg_catalog.pg_class':
        return this.shape(
          def,
          this.rels.map((r) =>
            o({
              oid: r.oid,
              relname: r.name,
              relnamespace: r.nsp,
              reltype: r.user ? r.oid + 2 : 0,
              reloftype: 0,
              relowner: ROLE_OID,
              relam: r.kind === 'r' ? 2 : 0,
              relfilenode: r.kind === 'r' ? r.oid : 0,
              reltablespace: 0,
              relpages: 0,
              reltuples: -1,
              relallvisible: 0,
              reltoastrelid: 0,
              relhasindex: false,
              relisshared: false,
              relpersistence: 'p',
              relkind: r.kind,
              relnatts: r.cols.length,
              relchecks: 0,
              relhasrules: r.kind === 'v',
              relhastriggers: false,
              relhassubclass: false,
              relrowsecurity: false,
              relforcerowsecurity: false,
              relispopulated: true,
              relreplident: r.kind === 'r' && r.user ? 'd' : 'n',
              relispartition: false,
              relrewrite: 0,
              relfrozenxid: r.kind === 'r' ? 716 : 0,
              relminmxid: r.kind === 'r' ? 1 : 0,
            }),
          ),
        );
      case 'pg_catalog.pg_attribute': {
        const out: Record<string, Value>[] = [];
        const sys: [string, number, number][] = [
          ['tableoid', -6, T.oid],
          ['cmax', -5, T.cid],
          ['xmax', -4, T.xid],
          ['cmin', -3, T.cid],
          ['xmin', -2, T.xid],
          ['ctid', -1, T.tid],
        ];
        for (const r of this.rels) {
          const att = (name: string, num: number, t: number): Record<string, Value> => {
            const ty = this.types.get(t);
            return {
              attrelid: r.oid,
              attname: name,
              atttypid: t,
              attstattarget: -1,
              attlen: ty?.len ?? -1,
              attnum: num,
              attndims: ty?.category === 'A' && t !== T.int2vector && t !== T.oidvector ? 1 : 0,
              attcacheoff: -1,
              atttypmod: -1,
              attbyval: ty?.byval ?? false,
              attalign: ty?.align ?? 'i',
              attstorage: ty?.storage ?? 'p',
              attcompression: '',
              attnotnull: num < 0,
              atthasdef: false,
              atthasmissing: false,
              attidentity: '',
              attgenerated: '',
              attisdropped: false,
              attislocal: true,
              attinhcount: 0,
              attcollation: ty?.collation ?? 0,
            };
          };
          if (r.kind === 'r') for (const [n, num, t] of sys) out.push(att(n, num, t));
          r.cols.forEach((c, i) => out.push(att(c.name, i + 1, c.t)));
        }
        return this.shape(def, out);
      }
      case 'pg_catalog.pg_type':
        return this.shape(
          def,
          [...this.types.values()].map((t) =>
            o({
              oid: t.oid,
              typname: t.name,
              typnamespace: t.namespace,
              typowner: ROLE_OID,
              typlen: t.len,
              typbyval: t.byval,
              typtype: t.type,
              typcategory: t.category,
              typispreferred: t.preferred,
              typisdefined: true,
              typdelim: t.delim,
              typrelid: t.relid,
              typsubscript: t.subscript,
              typelem: t.elem,
              typarray: t.array,
              typinput: t.input,
              typoutput: t.output,
              typreceive: t.receive,
              typsend: t.send,
              typmodin: t.modin,
              typmodout: t.modout,
              typanalyze: t.analyze,
              typalign: t.align,
              typstorage: t.storage,
              typnotnull: false,
              typbasetype: t.basetype ?? 0,
              typtypmod: t.typmod ?? -1,
              typdefault: t.default ?? null,
              typndims: 0,
              typcollation: t.collation,
            }),
          ),
        );
      case 'pg_catalog.pg_description': {
        const out: Record<string, Value>[] = [];
        for (const r of user) {
          if (r.user!.description) out.push({ objoid: r.oid, classoid: 1259, objsubid: 0, description: r.user!.description });
          r.user!.columns.forEach((c, i) => {
            if (c.description) out.push({ objoid: r.oid, classoid: 1259, objsubid: i + 1, description: c.description });
          });
        }
        for (const t of this.types.values()) if (t.description) out.push({ objoid: t.oid, classoid: 1247, objsubid: 0, description: t.description });
        return this.shape(def, out);
      }
      case 'pg_catalog.pg_proc':
        return this.shape(
          def,
          [...this.procs.values()].map((p) =>
            o({
              oid: p.oid,
              proname: p.name,
              pronamespace: PG_CATALOG_OID,
              proowner: ROLE_OID,
              prolang: p.lang,
              procost: 1,
              prorows: p.retset ? 1000 : 0,
              provariadic: 0,
              prosupport: 0,
              prokind: p.kind,
              prosecdef: false,
              proleakproof: false,
              proisstrict: true,
              proretset: p.retset,
              provolatile: 's',
              proparallel: 's',
              pronargs: p.argtypes.length,
              pronargdefaults: 0,
              prorettype: p.rettype,
              proargtypes: p.argtypes,
              prosrc: p.name,
            }),
          ),
        );
      case 'pg_catalog.pg_am':
        return this.shape(def, BUILTIN_AMS.map(([oid, amname, amhandler, amtype]) => o({ oid, amname, amhandler, amtype })));
      case 'pg_catalog.pg_collation':
        return this.shape(def, [
          { oid: 100, collname: 'default', collnamespace: PG_CATALOG_OID, collowner: ROLE_OID, collprovider: 'd', collisdeterministic: true, collencoding: -1 },
          { oid: 950, collname: 'C', collnamespace: PG_CATALOG_OID, collowner: ROLE_OID, collprovider: 'c', collisdeterministic: true, collencoding: -1, collcollate: 'C', collctype: 'C' },
          { oid: 951, collname: 'POSIX', collnamespace: PG_CATALOG_OID, collowner: ROLE_OID, collprovider: 'c', collisdeterministic: true, collencoding: -1, collcollate: 'POSIX', collctype: 'POSIX' },
        ]);
      case 'pg_catalog.pg_tablespace':
        return this.shape(def, [
          { oid: 1663, spcname: 'pg_default', spcowner: ROLE_OID },
          { oid: 1664, spcname: 'pg_global', spcowner: ROLE_OID },
        ]);
      case 'pg_catalog.pg_language':
        return this.shape(def, [
          { oid: 12, lanname: 'internal', lanowner: ROLE_OID, lanispl: false, lanpltrusted: false, lanvalidator: 2246 },
          { oid: 13, lanname: 'c', lanowner: ROLE_OID, lanispl: false, lanpltrusted: false, lanvalidator: 2247 },
          { oid: 14, lanname: 'sql', lanowner: ROLE_OID, lanispl: false, lanpltrusted: true, lanvalidator: 2248 },
        ]);
      case 'pg_catalog.pg_database':
        return this.shape(def, [
          {
            oid: DATABASE_OID,
            datname: db,
            datdba: ROLE_OID,
            encoding: 6,
            datlocprovider: 'c',
            datistemplate: false,
            datallowconn: true,
            datconnlimit: -1,
            datfrozenxid: 716,
            datminmxid: 1,
            dattablespace: 1663,
            datcollate: 'C.UTF-8',
            datctype: 'C.UTF-8',
          },
        ]);
      case 'pg_catalog.pg_roles':
        return this.shape(def, [
          { rolname: s.user, rolsuper: false, rolinherit: true, rolcreaterole: false, rolcreatedb: false, rolcanlogin: true, rolreplication: false, rolconnlimit: -1, rolpassword: '********', rolbypassrls: false, oid: ROLE_OID },
        ]);
      case 'pg_catalog.pg_user':
        return this.shape(def, [{ usename: s.user, usesysid: ROLE_OID, usecreatedb: false, usesuper: false, userepl: false, usebypassrls: false, passwd: '********' }]);
      case 'pg_catalog.pg_tables':
        return this.shape(
          def,
          this.rels.filter((r) => r.kind === 'r').map((r) => o({ schemaname: r.schema, tablename: r.name, tableowner: s.user, hasindexes: false, hasrules: false, hastriggers: false, rowsecurity: false })),
        );
      case 'pg_catalog.pg_views':
        return this.shape(def, this.rels.filter((r) => r.kind === 'v').map((r) => o({ schemaname: r.schema, viewname: r.name, viewowner: s.user })));
      case 'information_schema.schemata':
        return this.shape(def, this.namespaces.map((n) => o({ catalog_name: db, schema_name: n.name, schema_owner: s.user })));
      case 'information_schema.tables':
        return this.shape(
          def,
          this.rels.map((r) =>
            o({ table_catalog: db, table_schema: r.schema, table_name: r.name, table_type: r.kind === 'r' ? 'BASE TABLE' : 'VIEW', is_insertable_into: 'NO', is_typed: 'NO' }),
          ),
        );
      case 'information_schema.views':
        return this.shape(
          def,
          this.rels
            .filter((r) => r.kind === 'v')
            .map((r) =>
              o({ table_catalog: db, table_schema: r.schema, table_name: r.name, check_option: 'NONE', is_updatable: 'NO', is_insertable_into: 'NO', is_trigger_updatable: 'NO', is_trigger_deletable: 'NO', is_trigger_insertable_into: 'NO' }),
            ),
        );
      case 'information_schema.columns': {
        const out: Record<string, Value>[] = [];
        for (const r of this.rels) r.cols.forEach((c, i) => out.push(this.infoColumn(r, c, i + 1)));
        return this.shape(def, out);
      }
      default:
        return [];
    }
  }

  private infoColumn(r: RelDef, c: ColDef, pos: number): Record<string, Value> {
    const ty = this.types.get(c.t);
    const isArray = ty?.category === 'A' && c.t !== T.int2vector && c.t !== T.oidvector;
    const dataType = isArray ? 'ARRAY' : ty && ty.type === 'b' && ty.namespace === PG_CATALOG_OID ? (this.typeName(c.t) ?? 'USER-DEFINED') : 'USER-DEFINED';
    const prec: Record<number, [number, number, number | null]> = {
      [T.int2]: [16, 2, 0],
      [T.int4]: [32, 2, 0],
      [T.int8]: [64, 2, 0],
      [T.float4]: [24, 2, null],
      [T.float8]: [53, 2, null],
      [T.numeric]: [0, 10, null],
    };
    const p = prec[c.t];
    const textual = c.t === T.text || c.t === T.varchar || c.t === T.bpchar;
    const dt = c.t === T.date ? 0 : c.t === T.timestamp || c.t === T.timestamptz || c.t === T.time || c.t === 1266 || c.t === T.interval ? 6 : null;
    return {
      table_catalog: this.surface.database,
      table_schema: r.schema,
      table_name: r.name,
      column_name: c.name,
      ordinal_position: pos,
      is_nullable: 'YES',
      data_type: dataType,
      character_octet_length: textual ? 1073741824 : null,
      numeric_precision: p && c.t !== T.numeric ? p[0] : null,
      numeric_precision_radix: p ? p[1] : null,
      numeric_scale: p ? p[2] : null,
      datetime_precision: dt,
      collation_catalog: null,
      udt_catalog: this.surface.database,
      udt_schema: ty ? (this.nspName(ty.namespace) ?? null) : null,
      udt_name: ty?.name ?? null,
      dtd_identifier: String(pos),
      is_self_referencing: 'NO',
      is_identity: 'NO',
      identity_cycle: 'NO',
      is_generated: 'NEVER',
      is_updatable: 'NO',
    };
  }
}
