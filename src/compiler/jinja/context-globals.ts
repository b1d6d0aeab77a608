/**
 * The static part of the dbt Jinja context: var/env_var, exceptions, log, return, fromjson &
 * friends, modules, flags, adapter, run_query/statement/load_result, doc. Functions read the
 * render in progress through the Engine, so this object is built once per renderer.
 */
import { createHash, randomUUID } from 'node:crypto';
import YAML from 'yaml';
import { didYouMean } from '../../diagnostics/index.js';
import { arg, splitArgs } from './call-args.js';
import { datetimeModule, PyDatetime } from './datetime.js';
import { isPlainObject, pyStr } from './python-methods.js';
import { Relation } from './relation.js';
import { toPlainJson } from './relations-context.js';
import { currentPosition, failure, MacroReturn } from './render-state.js';
import { reModule } from './re-module.js';
import type { Engine } from './runtime.js';
import { requireState } from './runtime.js';
import type { DocBlock, QueryRunner, RendererOptions } from './types.js';

/** A column as adapter.get_columns_in_relation returns it. */
export interface ColumnInfo {
  readonly name: string;
  readonly column: string;
  readonly quoted: string;
  readonly data_type: string;
  readonly dtype: string;
}

/** A column of a query result (a class: `values()` must not be shadowed by dict methods). */
export class TableColumn {
  readonly name: string;
  private readonly data: readonly unknown[];
  constructor(name: string, data: readonly unknown[]) {
    this.name = name;
    this.data = data;
  }
  values(): unknown[] {
    return [...this.data];
  }
}

/** An agate-like table: `.columns[0].values()`, `.rows`, `.column_names`. */
export function tableOf(result: ReturnType<QueryRunner>): Record<string, unknown> {
  const rows = result.rows.map((r) => {
    // agate rows answer both row[0] and row['name']
    const row = [...r] as unknown[] & Record<string, unknown>;
    result.columns.forEach((c, i) => {
      row[c] = r[i];
    });
    return row;
  });
  const columns = result.columns.map((name, i) => new TableColumn(name, result.rows.map((r) => r[i])));
  return { columns, rows, column_names: [...result.columns], __len__: rows.length, length: rows.length };
}

const EMPTY_RESULT = { columns: [], rows: [] };

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export interface StaticGlobalsInput {
  readonly engine: Engine;
  readonly options: RendererOptions;
  readonly docs: Readonly<Record<string, DocBlock>>;
  /** Find `name` by dispatch rules; undefined when missing. */
  readonly dispatch: (name: string, namespace: string | null) => unknown;
  readonly dispatchCandidates: () => Iterable<string>;
  readonly now?: () => Date;
}

/** Resolve var(name) per dbt: --vars, then `vars: {<package>: {name}}`, then top-level vars. */
function lookupVar(options: RendererOptions, pkg: string, name: string): { found: boolean; value: unknown } {
  if (Object.prototype.hasOwnProperty.call(options.cliVars, name)) return { found: true, value: options.cliVars[name] };
  const scoped = options.projectVars[pkg];
  if (isPlainObject(scoped) && Object.prototype.hasOwnProperty.call(scoped, name)) {
    return { found: true, value: scoped[name] };
  }
  if (Object.prototype.hasOwnProperty.call(options.projectVars, name) && name !== pkg) {
    return { found: true, value: options.projectVars[name] };
  }
  return { found: false, value: undefined };
}

export function staticGlobals(input: StaticGlobalsInput): Record<string, unknown> {
  const { engine, options, docs } = input;
  const env = options.env ?? process.env;
  const runner = options.queryRunner;
  const state = () => requireState(engine);

  const var_ = (...raw: unknown[]): unknown => {
    const s = state();
    const c = splitArgs(raw);
    const name = String(arg(c, 0, 'name'));
    const r = lookupVar(options, s.node.package_name, name);
    let value = r.value;
    if (!r.found) {
      if (c.args.length < 2 && !('default' in c.kwargs)) {
        throw failure(s, 'var-undefined', `required var '${name}' is not defined`, {
          hint: `define it under 'vars:' in the project file or pass --vars '{${name}: ...}'`,
        });
      }
      value = arg(c, 1, 'default');
    }
    s.varsRead[name] = toPlainJson(value);
    return value;
  };
  const has_var = (name: unknown): boolean => lookupVar(options, state().node.package_name, String(name)).found;

  const env_var = (...raw: unknown[]): unknown => {
    const s = state();
    const c = splitArgs(raw);
    const name = String(arg(c, 0, 'var'));
    const v = env[name];
    if (v !== undefined) {
      s.envRead[name] = v;
      return v;
    }
    if (c.args.length < 2 && !('default' in c.kwargs)) {
      throw failure(s, 'env-var-undefined', `env var '${name}' is not set and env_var() has no default`, {
        hint: `export ${name}=... or call env_var('${name}', 'default')`,
      });
    }
    s.envRead[name] = null;
    return arg(c, 1, 'default');
  };

  const exceptions = {
    raise_compiler_error: (msg: unknown): never => {
      throw failure(state(), 'macro-error', pyStr(msg));
    },
    warn: (msg: unknown): string => {
      const s = state();
      const pos = currentPosition(s);
      s.warnings.push({ code: 'macro-error', severity: 'warning', message: pyStr(msg), ...pos, node: s.node.unique_id });
      return '';
    },
    raise_not_implemented: (msg: unknown): never => {
      throw failure(state(), 'macro-error', `not implemented: ${pyStr(msg)}`);
    },
  };

  const log = (...raw: unknown[]): string => {
    const c = splitArgs(raw);
    state().logs.push({ message: pyStr(arg(c, 0, 'msg')), info: arg(c, 1, 'info', false) === true });
    return '';
  };

  const getColumns = (rel: unknown): ColumnInfo[] => {
    if (runner === undefined || !(rel instanceof Relation)) return [];
    const res = runner(
      `select column_name, data_type from information_schema.columns where table_schema = ${sqlString(rel.schema)} and table_name = ${sqlString(rel.identifier)} order by ordinal_position`,
    );
    return res.rows.map((r) => {
      const name = String(r[0]);
      const type = String(r[1]);
      return { name, column: name, quoted: quoteIdent(name), data_type: type, dtype: type };
    });
  };

  const getRelation = (...raw: unknown[]): Relation | null => {
    if (runner === undefined) return null;
    const c = splitArgs(raw);
    const database = String(arg(c, 0, 'database', ''));
    const schema = String(arg(c, 1, 'schema', ''));
    const identifier = String(arg(c, 2, 'identifier', ''));
    const res = runner(
      `select table_type from information_schema.tables where table_schema = ${sqlString(schema)} and table_name = ${sqlString(identifier)}`,
    );
    const row = res.rows[0];
    if (row === undefined) return null;
    const type = String(row[0]) === 'VIEW' ? 'view' : 'table';
    return new Relation({ kind: 'literal' }, { database, schema, identifier }, type);
  };

  const adapter = {
    dispatch: (...raw: unknown[]): unknown => {
      const s = state();
      const c = splitArgs(raw);
      const name = String(arg(c, 0, 'macro_name'));
      const ns = arg(c, 1, 'macro_namespace', null);
      const fn = input.dispatch(name, typeof ns === 'string' ? ns : null);
      if (fn === undefined) {
        const hint = didYouMean(`default__${name}`, input.dispatchCandidates());
        throw failure(s, 'undefined-macro', `adapter.dispatch('${name}') found neither 'postgres__${name}' nor 'default__${name}'`, {
          ...(hint === undefined ? {} : { hint }),
        });
      }
      return fn;
    },
    quote: (id: unknown): string => quoteIdent(pyStr(id)),
    type: (): string => 'postgres',
    get_relation: getRelation,
    get_columns_in_relation: getColumns,
    get_missing_columns: (): ColumnInfo[] => [],
    check_schema_exists: (): boolean => false,
  };

  const run_query = (sql: unknown): Record<string, unknown> => tableOf(runner ? runner(pyStr(sql)) : EMPTY_RESULT);

  const statement = (...raw: unknown[]): string => {
    const s = state();
    const c = splitArgs(raw);
    const name = String(arg(c, 0, 'name', 'statement'));
    const fetch = arg(c, 1, 'fetch_result', false) === true;
    const caller = c.kwargs['caller'];
    const sql = typeof caller === 'function' ? pyStr((caller as () => unknown)()) : '';
    const res = runner && (fetch || name !== 'main') ? runner(sql) : EMPTY_RESULT;
    const table = tableOf(res);
    s.results.set(name, { response: { code: 'SELECT', rows_affected: res.rows.length }, table, data: res.rows.map((r) => [...r]) });
    return '';
  };

  const doc = (...raw: unknown[]): string => {
    const s = state();
    const c = splitArgs(raw);
    const name = String(c.args[c.args.length - 1]);
    const block = docs[name];
    if (block === undefined) {
      const hint = didYouMean(name, Object.keys(docs));
      throw failure(s, 'doc-not-found', `doc '${name}' not found in any {% docs %} block`, {
        ...(hint === undefined ? {} : { hint }),
      });
    }
    s.docs.add(name);
    return block.contents;
  };

  const namespace = (...raw: unknown[]): Record<string, unknown> => {
    const c = splitArgs(raw);
    return { ...(isPlainObject(c.args[0]) ? c.args[0] : {}), ...c.kwargs };
  };

  const now = input.now ?? (() => new Date());
  return {
    var: var_,
    has_var,
    env_var,
    exceptions,
    log,
    print: log,
    return: (value: unknown): never => {
      throw new MacroReturn(value);
    },
    fromjson: (s: unknown, def: unknown) => {
      try {
        return JSON.parse(pyStr(s)) as unknown;
      } catch {
        return def === undefined ? null : def;
      }
    },
    tojson: (v: unknown) => JSON.stringify(toPlainJson(v)),
    fromyaml: (s: unknown, def: unknown) => {
      try {
        return YAML.parse(pyStr(s)) as unknown;
      } catch {
        return def === undefined ? null : def;
      }
    },
    toyaml: (v: unknown) => YAML.stringify(toPlainJson(v)),
    local_md5: (s: unknown) => createHash('md5').update(pyStr(s)).digest('hex'),
    zip: (...lists: unknown[]) => {
      const ls = lists.filter(Array.isArray);
      const n = Math.min(...ls.map((l) => l.length));
      return Array.from({ length: Number.isFinite(n) ? n : 0 }, (_, i) => ls.map((l) => l[i]));
    },
    set: (xs: unknown) => [...new Set(Array.isArray(xs) ? xs : [])],
    dict: namespace,
    namespace,
    execute: true,
    flags: {
      FULL_REFRESH: options.flags?.fullRefresh === true,
      WHICH: options.flags?.which ?? 'compile',
      STORE_FAILURES: false,
    },
    project_name: options.projectName,
    invocation_id: randomUUID(),
    run_started_at: new PyDatetime(now()),
    modules: { datetime: datetimeModule(now), re: reModule() },
    graph: { nodes: {}, sources: {}, exposures: {}, metrics: {}, macros: {} },
    adapter,
    api: {
      Relation: {
        create: (...raw: unknown[]) => {
          const c = splitArgs(raw);
          const str = (k: string, i: number): string => pyStr(arg(c, i, k, '') ?? '');
          return new Relation({ kind: 'literal' }, { database: str('database', 0), schema: str('schema', 1), identifier: str('identifier', 2) });
        },
      },
    },
    run_query,
    statement,
    load_result: (name: unknown) => state().results.get(String(name)) ?? null,
    doc,
  };
}
