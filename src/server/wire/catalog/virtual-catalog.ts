import { CatalogData, DEFAULT_SETTINGS } from './catalog-data.js';
import { BUILTIN_RELATIONS } from './builtin-data.js';
import { AGGREGATES, Evaluator, WINDOW_FUNCTIONS, entry, names, type Output } from './evaluator.js';
import { FUNCTIONS, SRFS, textOf, type FnContext } from './functions.js';
import type { CatalogSurface } from './surface.js';
import { CatalogError, T } from './values.js';

export { CatalogError } from './values.js';
export type { CatalogColumn, CatalogSurface, CatalogTable } from './surface.js';

/** Rows and row pairs one statement may look at before it fails with 54000. */
export const WORK_LIMIT = 200_000;

/**
 * PostgreSQL's catalogs (pg_catalog, information_schema) for one role's view of the semantic
 * layer, answered without a database: each surface table is a relation of `surface.schema`.
 *
 * @example
 * const cat = new VirtualCatalog(surface);
 * cat.execute(parseSync("select relname from pg_class where relnamespace = 'public'::regnamespace").stmts[0].stmt, [])
 * // { fields: [{ name: 'relname', typeOid: 19 }], rows: [['customers'], ['sales']] }
 */
export class VirtualCatalog {
  private readonly data: CatalogData;
  private readonly startedAt = new Date();

  constructor(readonly surface: CatalogSurface) {
    this.data = new CatalogData(surface);
  }

  /**
   * A SELECT whose relations are all catalog relations (pg_catalog's, qualified or not;
   * information_schema's, qualified), CTEs or set-returning functions, or a SELECT without FROM
   * that calls only catalog functions.
   */
  static isCatalogQuery(stmt: unknown): boolean {
    try {
      return isCatalogSelect(stmt);
    } catch {
      return false;
    }
  }

  /**
   * Runs one SELECT. `params` are the text values of $1…; `settings` the session's run-time
   * settings (SET), which override the surface's. Values come back in text format.
   */
  execute(stmt: unknown, params: readonly (string | null)[], settings?: Readonly<Record<string, string>>): { fields: { name: string; typeOid: number }[]; rows: (string | null)[][] } {
    const ctx = {
      data: this.data,
      settings: this.settingsMap(settings),
      startedAt: this.startedAt,
      params,
      work: 0,
      limit: WORK_LIMIT,
    };
    let out: Output;
    try {
      out = new Evaluator(this.data, ctx).run(stmt as Record<string, unknown>);
    } catch (e) {
      if (e instanceof CatalogError) throw e;
      if (e instanceof RangeError && /call stack/i.test(e.message)) throw new CatalogError('54001', 'stack depth limit exceeded');
      throw new CatalogError('XX000', `the virtual catalog could not evaluate the statement: ${(e as Error)?.message ?? String(e)}`);
    }
    const fc: FnContext = ctx;
    return {
      fields: out.cols.map((c) => ({ name: c.name, typeOid: c.t === T.unknown ? T.text : c.t })),
      rows: out.rows.map((r) => r.map((v, i) => textOf(fc, { t: out.cols[i]!.t, v }))),
    };
  }

  private settingsMap(session?: Readonly<Record<string, string>>): Map<string, { name: string; setting: string }> {
    const m = new Map<string, { name: string; setting: string }>();
    const put = (name: string, setting: string): void => {
      const key = name.toLowerCase();
      m.set(key, { name: m.get(key)?.name ?? name, setting });
    };
    for (const [n, v] of DEFAULT_SETTINGS) put(n, v);
    const version = this.surface.serverVersion;
    const [maj, min] = version.split('.').map((x) => Number.parseInt(x, 10) || 0);
    put('server_version', version);
    put('server_version_num', String((maj ?? 0) * 10000 + (min ?? 0)));
    put('session_authorization', this.surface.user);
    put('search_path', `"$user", ${this.surface.schema}`);
    for (const [n, v] of Object.entries(this.surface.settings ?? {})) put(n, String(v));
    for (const [n, v] of Object.entries(session ?? {})) put(n, String(v));
    return m;
  }
}

const CATALOG_FUNCTIONS = new Set([...FUNCTIONS.keys(), ...SRFS.keys(), ...AGGREGATES, ...WINDOW_FUNCTIONS]);
const PG_CATALOG_RELATIONS = new Set(BUILTIN_RELATIONS.filter((r) => r[0] === 'pg_catalog').map((r) => r[1]));

function isCatalogSelect(stmt: unknown): boolean {
  const [k] = entry(stmt);
  if (k !== 'SelectStmt') return false;
  // CTE names anywhere in the statement count as catalog relations when referenced unqualified.
  const ctes = new Set<string>();
  walkAll(stmt, (key, val) => {
    if (key === 'CommonTableExpr') ctes.add(String(val['ctename']));
    return true;
  });
  let ok = true;
  walkAll(stmt, (key, val) => {
    if (key === 'RangeVar') {
      const schema = val['schemaname'] as string | undefined;
      const name = String(val['relname']);
      if (val['catalogname'] !== undefined) ok = false;
      else if (schema === 'pg_catalog' || schema === 'information_schema') return true;
      else if (schema === undefined && (ctes.has(name) || PG_CATALOG_RELATIONS.has(name))) return true;
      else ok = false;
    } else if (key === 'FuncCall') {
      const fn = names(val['funcname']);
      if ((fn.length > 1 && fn[0] !== 'pg_catalog' && fn[0] !== 'information_schema') || fn.length > 2 || !CATALOG_FUNCTIONS.has(fn[fn.length - 1]!)) ok = false;
    } else if (key !== 'SelectStmt' && !STATEMENT_PARTS.has(key) && /Stmt$/.test(key)) ok = false;
    return ok;
  });
  return ok;
}

/** Statement nodes a SELECT may contain. */
const STATEMENT_PARTS = new Set(['SelectStmt']);

/** Visits every node (`{Kind: {...}}`) of a parse tree, subqueries included; `visit` false stops descending. */
function walkAll(n: unknown, visit: (kind: string, val: Record<string, any>) => boolean): void {
  if (!n || typeof n !== 'object') return;
  if (Array.isArray(n)) {
    for (const x of n) walkAll(x, visit);
    return;
  }
  for (const [key, val] of Object.entries(n as Record<string, unknown>)) {
    if (val && typeof val === 'object' && !Array.isArray(val) && /^[A-Z]/.test(key)) {
      if (!visit(key, val as Record<string, any>)) return;
    }
    walkAll(val, visit);
  }
}
