import { parseSync } from 'libpg-query';
import type { MetricQuery } from '../../semantic/index.js';
import { ApiError } from '../api-error.js';
import type { Caller, QueryService } from '../query-service.js';
import { CatalogError, VirtualCatalog } from './catalog/virtual-catalog.js';
import type { CatalogSurface } from './catalog/virtual-catalog.js';
import type { Surface } from './surface.js';
import { bindQuery, SqlError, translateSelect, type TranslatedSql } from './translate.js';
import { apiValueToText, OID } from './values.js';

/**
 * One SQL session's statements: what a statement is (a query over the semantic layer, a catalog
 * query, a session command), and running it. Results are in text format; the connection encodes
 * them for the wire.
 */

export interface Field {
  readonly name: string;
  readonly typeOid: number;
}

export interface StatementResult {
  readonly fields: readonly Field[] | null;
  readonly rows: readonly (readonly (string | null)[])[];
  readonly tag: string;
}

type Node = Record<string, unknown>;

export type Prepared =
  | { readonly kind: 'empty'; readonly paramTypes: readonly number[] }
  | { readonly kind: 'semantic'; readonly t: TranslatedSql; readonly paramTypes: readonly number[] }
  | { readonly kind: 'catalog'; readonly stmt: Node; readonly paramTypes: readonly number[] }
  | { readonly kind: 'session'; readonly stmt: Node; readonly paramTypes: readonly number[] };

/** Per-role state shared by that role's sessions: its tables and its catalog. */
export interface RoleView {
  readonly surface: Surface;
  readonly catalog: VirtualCatalog;
  readonly catalogSurface: CatalogSurface;
}

export interface SessionOptions {
  readonly service: QueryService;
  readonly caller: Caller;
  readonly view: RoleView;
  readonly schema: string;
  /** The most rows one statement returns; more is an error asking for LIMIT (the server's --max-rows). */
  readonly maxRows: number;
  readonly requestId: () => string;
}

/** Settings a session starts with (SHOW answers them; SET changes this session's copy). */
export function defaultSettings(serverVersion: string, user: string, database: string, app: string): Record<string, string> {
  return {
    server_version: serverVersion,
    server_version_num: serverVersionNum(serverVersion),
    server_encoding: 'UTF8',
    client_encoding: 'UTF8',
    datestyle: 'ISO, MDY',
    intervalstyle: 'postgres',
    timezone: 'UTC',
    integer_datetimes: 'on',
    standard_conforming_strings: 'on',
    application_name: app,
    is_superuser: 'off',
    session_authorization: user,
    in_hot_standby: 'off',
    default_transaction_read_only: 'on',
    transaction_read_only: 'on',
    transaction_isolation: 'read committed',
    default_transaction_isolation: 'read committed',
    search_path: '"$user", public',
    extra_float_digits: '1',
    max_identifier_length: '63',
    statement_timeout: '0',
    lc_collate: 'C.UTF-8',
    lc_ctype: 'C.UTF-8',
    lc_messages: 'C.UTF-8',
    lc_monetary: 'C.UTF-8',
    lc_numeric: 'C.UTF-8',
    lc_time: 'C.UTF-8',
    bytea_output: 'hex',
    client_min_messages: 'notice',
    max_connections: '500',
    block_size: '8192',
    database: database,
  };
}

function serverVersionNum(v: string): string {
  const m = /^(\d+)(?:\.(\d+))?/.exec(v);
  return m ? String(Number(m[1]) * 10_000 + Number(m[2] ?? 0)) : '150000';
}

/** Display names PostgreSQL uses for SHOW of the settings whose names are mixed case. */
const SHOW_NAMES: Record<string, string> = { datestyle: 'DateStyle', intervalstyle: 'IntervalStyle', timezone: 'TimeZone' };

export class SqlSession {
  readonly settings: Record<string, string>;
  /** 'I' idle, 'T' in a transaction block, 'E' in a failed one. */
  txStatus: 'I' | 'T' | 'E' = 'I';

  constructor(
    private readonly o: SessionOptions,
    settings: Record<string, string>,
  ) {
    this.settings = settings;
  }

  /** Parses one or more statements (simple query protocol). */
  parseMany(sql: string): { sql: string; stmt: Node | undefined }[] {
    const tree = parseOrThrow(sql);
    if (tree.length === 0) return [{ sql, stmt: undefined }];
    return tree.map((s) => ({ sql, stmt: s }));
  }

  /** Parses exactly one statement (extended protocol's Parse). */
  prepare(sql: string, declared: readonly number[]): Prepared {
    const tree = parseOrThrow(sql);
    if (tree.length > 1) throw new SqlError('42601', 'cannot insert multiple commands into a prepared statement');
    return this.classify(tree[0], declared);
  }

  classify(stmt: Node | undefined, declared: readonly number[] = []): Prepared {
    if (!stmt) return { kind: 'empty', paramTypes: declared };
    const [k, v] = entry(stmt);
    if (k === 'SelectStmt') {
      if (VirtualCatalog.isCatalogQuery(stmt) || !((v['fromClause'] as unknown[] | undefined)?.length)) {
        return { kind: 'catalog', stmt, paramTypes: mergeTypes(declared, countParams(stmt)) };
      }
      const t = translateSelect(v, this.o.view.surface, this.o.schema);
      const inferred = t.paramTypes;
      const n = Math.max(declared.length, inferred.length);
      return { kind: 'semantic', t, paramTypes: Array.from({ length: n }, (_, i) => declared[i] || inferred[i] || 0) };
    }
    if (['VariableSetStmt', 'VariableShowStmt', 'TransactionStmt', 'DiscardStmt', 'DeallocateStmt'].includes(k)) return { kind: 'session', stmt, paramTypes: declared };
    throw new SqlError('25006', `${statementName(k)} is not allowed: the semantic layer's SQL API is read-only and answers SELECT`, 'SELECT dimensions and MEASURE(…) / AGGREGATE(…) from a table of the layer');
  }

  /** Result columns without running (Describe), or null for statements that return no rows. */
  describe(p: Prepared, params: readonly (string | number | boolean | null)[] | undefined): readonly Field[] | null {
    switch (p.kind) {
      case 'empty':
        return null;
      case 'semantic':
        return p.t.output.map((c) => ({ name: c.name, typeOid: c.typeOid }));
      case 'catalog':
        return this.catalog(p.stmt, (params ?? p.paramTypes.map(() => null)).map((x) => (x === null ? null : String(x)))).fields;
      case 'session': {
        const [k, v] = entry(p.stmt);
        if (k !== 'VariableShowStmt') return null;
        const name = String(v['name'] ?? '').toLowerCase();
        return name === 'all' ? [{ name: 'name', typeOid: OID.text }, { name: 'setting', typeOid: OID.text }, { name: 'description', typeOid: OID.text }] : [{ name: SHOW_NAMES[name] ?? name, typeOid: OID.text }];
      }
    }
  }

  /** Runs a statement. `signal` cancels it (CancelRequest, the client going away). */
  async execute(p: Prepared, params: readonly (string | number | boolean | null)[], signal: AbortSignal): Promise<StatementResult> {
    if (this.txStatus === 'E' && !(p.kind === 'session' && entry(p.stmt)[0] === 'TransactionStmt')) {
      throw new SqlError('25P02', 'current transaction is aborted, commands ignored until end of transaction block');
    }
    switch (p.kind) {
      case 'empty':
        return { fields: null, rows: [], tag: '' };
      case 'catalog': {
        const r = this.catalog(p.stmt, params.map((x) => (x === null ? null : String(x))));
        return { fields: r.fields, rows: r.rows, tag: `SELECT ${r.rows.length}` };
      }
      case 'session':
        return this.session(p.stmt);
      case 'semantic':
        return this.semantic(p.t, params, signal);
    }
  }

  private catalog(stmt: Node, params: readonly (string | null)[]): { fields: Field[]; rows: (string | null)[][] } {
    try {
      return this.o.view.catalog.execute(stmt, params, this.settings);
    } catch (e) {
      if (e instanceof CatalogError) throw new SqlError(e.code, e.message);
      throw e;
    }
  }

  private async semantic(t: TranslatedSql, params: readonly (string | number | boolean | null)[], signal: AbortSignal): Promise<StatementResult> {
    const fields = t.output.map((c) => ({ name: c.name, typeOid: c.typeOid }));
    const bound = bindQuery(t, params);
    const tz = this.settings['timezone'];
    const query: MetricQuery = tz && !/^(utc|etc\/utc|gmt|z|zulu|\+00|00:00)$/i.test(tz) ? ({ ...bound, timezone: tz } as MetricQuery) : bound;
    if (t.empty) {
      // Planned all the same: access rules and member names are checked before "no rows".
      this.o.service.plan({ ...query, limit: 1 }, this.o.caller);
      return { fields, rows: [], tag: 'SELECT 0' };
    }
    const max = this.o.maxRows;
    const explicit = query.limit !== undefined;
    let out;
    try {
      out = await this.o.service.run(explicit ? query : { ...query, limit: max }, this.o.caller, this.o.requestId(), signal);
    } catch (e) {
      if (signal.aborted) throw new SqlError('57014', 'canceling statement due to user request');
      throw sqlErrorOf(e);
    }
    if (out.truncated && !explicit) {
      throw new SqlError('54000', `the result has more than ${max} rows`, 'add a LIMIT, filters in WHERE, or fewer dimensions (the server allows --max-rows)');
    }
    const body = JSON.parse(out.body) as { rows: Record<string, unknown>[] };
    const rows = body.rows.map((r) => t.output.map((c) => apiValueToText(r[c.member], c.typeOid)));
    return { fields, rows, tag: `SELECT ${rows.length}` };
  }

  private session(stmt: Node): StatementResult {
    const [k, v] = entry(stmt);
    const done = (tag: string): StatementResult => ({ fields: null, rows: [], tag });
    switch (k) {
      case 'TransactionStmt': {
        const kind = String(v['kind']);
        if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') {
          this.txStatus = 'T';
          return done('BEGIN');
        }
        if (kind === 'TRANS_STMT_COMMIT') {
          const failed = this.txStatus === 'E';
          this.txStatus = 'I';
          return done(failed ? 'ROLLBACK' : 'COMMIT');
        }
        if (kind === 'TRANS_STMT_ROLLBACK') {
          this.txStatus = 'I';
          return done('ROLLBACK');
        }
        if (kind === 'TRANS_STMT_SAVEPOINT') return done('SAVEPOINT');
        if (kind === 'TRANS_STMT_RELEASE') return done('RELEASE');
        if (kind === 'TRANS_STMT_ROLLBACK_TO') {
          if (this.txStatus === 'E') this.txStatus = 'T';
          return done('ROLLBACK');
        }
        throw new SqlError('0A000', `${kind.replace('TRANS_STMT_', '').toLowerCase()} is not supported`);
      }
      case 'VariableSetStmt': {
        const name = String(v['name'] ?? '').toLowerCase();
        const kind = String(v['kind']);
        if (kind === 'VAR_RESET_ALL') return done('RESET');
        if (kind === 'VAR_SET_MULTI' || name.startsWith('transaction') || name === 'session characteristics') return done('SET');
        const args = (v['args'] as unknown[] | undefined) ?? [];
        const value = args.map((a) => constText(a)).join(', ');
        const key = name === 'time zone' ? 'timezone' : name;
        if (kind === 'VAR_RESET' || kind === 'VAR_SET_DEFAULT') {
          delete this.settings[key];
          return done(kind === 'VAR_RESET' ? 'RESET' : 'SET');
        }
        if (key === 'timezone' && !validZone(value)) throw new SqlError('22023', `invalid value for parameter "TimeZone": "${value}"`);
        if ((key === 'transaction_read_only' || key === 'default_transaction_read_only') && /^(off|false|0)$/i.test(value)) {
          throw new SqlError('25006', 'the semantic layer is read-only');
        }
        this.settings[key] = value;
        return done('SET');
      }
      case 'VariableShowStmt': {
        const name = String(v['name'] ?? '').toLowerCase();
        if (name === 'all') return { fields: this.describe({ kind: 'session', stmt, paramTypes: [] }, undefined), rows: Object.entries(this.settings).map(([n, s]) => [SHOW_NAMES[n] ?? n, s, '']), tag: 'SHOW' };
        const key = name === 'time zone' ? 'timezone' : name === 'transaction isolation level' ? 'transaction_isolation' : name;
        const value = this.settings[key];
        if (value === undefined) throw new SqlError('42704', `unrecognized configuration parameter "${name}"`);
        return { fields: [{ name: SHOW_NAMES[key] ?? key, typeOid: OID.text }], rows: [[value]], tag: 'SHOW' };
      }
      case 'DiscardStmt':
        return done('DISCARD ALL');
      case 'DeallocateStmt':
        return done('DEALLOCATE');
      default:
        throw new SqlError('0A000', `${statementName(k)} is not supported`);
    }
  }
}

function parseOrThrow(sql: string): Node[] {
  try {
    const r = parseSync(sql) as { stmts?: { stmt: Node }[] };
    return (r.stmts ?? []).map((s) => s.stmt);
  } catch (e) {
    const err = e as { message?: string; sqlDetails?: { cursorPosition?: number } };
    const pos = err.sqlDetails?.cursorPosition;
    throw new SqlError('42601', err.message ?? 'syntax error', undefined, pos !== undefined ? pos + 1 : undefined);
  }
}

function entry(n: Node): [string, Node] {
  const k = Object.keys(n)[0] ?? '';
  return [k, (n[k] ?? {}) as Node];
}

function mergeTypes(declared: readonly number[], n: number): number[] {
  return Array.from({ length: Math.max(n, declared.length) }, (_, i) => declared[i] ?? 0);
}

/** The highest $n in a statement. */
function countParams(n: unknown): number {
  let max = 0;
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (!x || typeof x !== 'object') return;
    const r = x as Node;
    if (r['ParamRef']) max = Math.max(max, Number((r['ParamRef'] as Node)['number'] ?? 0));
    for (const v of Object.values(r)) walk(v);
  };
  walk(n);
  return max;
}

function constText(a: unknown): string {
  const [k, v] = entry((a ?? {}) as Node);
  if (k === 'A_Const') {
    if (v['sval']) return String((v['sval'] as Node)['sval'] ?? '');
    if (v['ival']) return String((v['ival'] as Node)['ival'] ?? 0);
    if (v['fval']) return String((v['fval'] as Node)['fval']);
    if (v['boolval']) return (v['boolval'] as Node)['boolval'] ? 'on' : 'off';
    return '';
  }
  if (k === 'TypeCast') return constText(v['arg']);
  throw new SqlError('22023', 'SET takes constant values');
}

function validZone(z: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: z });
    return true;
  } catch {
    return /^[+-]?\d{1,2}(:\d{2})?$/.test(z);
  }
}

function statementName(k: string): string {
  return k.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

/** Errors of the query service (HTTP statuses) → SQLSTATEs, in the service's own words. */
export function sqlErrorOf(e: unknown): SqlError {
  if (e instanceof SqlError) return e;
  if (e instanceof ApiError) {
    const hint = (e.details[0] as { hint?: string } | undefined)?.hint;
    const code = e.status === 403 ? '42501' : e.status === 429 ? '53300' : e.status === 503 ? (e.code === 'statement_timeout' ? '57014' : '53000') : e.status === 400 ? (e.message.includes('limit') && e.message.includes('maximum') ? '54000' : '42000') : 'XX000';
    return new SqlError(code, e.message, hint);
  }
  return new SqlError('XX000', 'internal error');
}
