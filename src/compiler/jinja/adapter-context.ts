/**
 * The database-facing part of the dbt context: `adapter.*`, `api.*`, `run_query`, `statement` /
 * `load_result`. Every call that reads or changes the database goes through the renderer's
 * `queryRunner` and marks the render dynamic (it must be rendered again at execution time).
 * While parsing (`execute` false, no runner) introspection answers empty, as in dbt's parse.
 */
import { didYouMean } from '../../diagnostics/index.js';
import { AgateTable, Column } from './agate.js';
import { arg, splitArgs } from './call-args.js';
import { isPlainObject, pyStr } from './python-methods.js';
import { Relation } from './relation.js';
import { failure, type RenderState } from './render-state.js';
import type { Engine } from './runtime.js';
import { requireState } from './runtime.js';
import type { QueryTable, RendererOptions } from './types.js';

const EMPTY: QueryTable = { columns: [], rows: [], rowCount: 0 };

function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

export interface AdapterContextInput {
  readonly engine: Engine;
  readonly options: RendererOptions;
  readonly dispatch: (name: string, namespace: string | null) => unknown;
  readonly searchOrder: (namespace: string | null) => readonly string[];
  readonly packageExists: (name: string) => boolean;
  readonly dispatchCandidates: () => Iterable<string>;
}

/** A statement's result as `load_result(name)` returns it. */
interface StatementResult {
  readonly response: { readonly code: string; readonly rows_affected: number; readonly _message: string };
  readonly table: AgateTable;
  readonly data: unknown[][];
}

function relationArg(s: RenderState, v: unknown, what: string): Relation {
  if (v instanceof Relation) return v;
  throw failure(s, 'render-error', `${what} expects a Relation (ref(), source(), this or api.Relation.create(...)), got ${pyStr(v)}`);
}

export function adapterContext(input: AdapterContextInput): Record<string, unknown> {
  const { engine, options } = input;
  const state = (): RenderState => requireState(engine);
  /** Run SQL through the live connection; parsing has none and answers empty. */
  const query = (sql: string): QueryTable => {
    const s = state();
    s.dynamic = true;
    const runner = options.queryRunner;
    if (runner === undefined || options.execute !== true) return EMPTY;
    return runner(sql);
  };

  const getColumns = (rel: unknown): Column[] => {
    const s = state();
    const r = relationArg(s, rel, 'adapter.get_columns_in_relation');
    const res = query(
      `select column_name, data_type, character_maximum_length, numeric_precision, numeric_scale from information_schema.columns where table_name = ${lit(r.identifier)}${r.schema ? ` and table_schema = ${lit(r.schema)}` : ''} order by ordinal_position`,
    );
    const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
    return res.rows.map((row) => new Column(String(row[0]), String(row[1]), num(row[2]), num(row[3]), num(row[4])));
  };

  const relationsIn = (schema: string, database: string): Relation[] => {
    const res = query(
      `select table_name, case table_type when 'VIEW' then 'view' else 'table' end from information_schema.tables where table_schema = ${lit(schema)} union all select matviewname, 'materialized_view' from pg_matviews where schemaname = ${lit(schema)}`,
    );
    return res.rows.map(
      (row) => new Relation({ kind: 'literal' }, { database, schema, identifier: String(row[0]) }, String(row[1])),
    );
  };

  const getRelation = (...raw: unknown[]): Relation | null => {
    const c = splitArgs(raw);
    const database = pyStr(arg(c, 0, 'database', '') ?? '');
    const schema = pyStr(arg(c, 1, 'schema', '') ?? '');
    const identifier = pyStr(arg(c, 2, 'identifier', '') ?? '');
    const found = relationsIn(schema, database).find((r) => r.identifier === identifier);
    return found ?? null;
  };

  const execute = (sql: string, fetch: boolean): [StatementResult['response'], AgateTable] => {
    const res = query(sql);
    const table = new AgateTable(fetch ? res : EMPTY);
    return [{ code: 'SUCCESS', rows_affected: res.rowCount, _message: `SUCCESS ${res.rowCount}` }, table];
  };

  const dropRelation = (rel: unknown): string => {
    const s = state();
    const r = relationArg(s, rel, 'adapter.drop_relation');
    const kind = r.type === 'view' ? 'view' : r.type === 'materialized_view' ? 'materialized view' : 'table';
    query(`drop ${kind} if exists ${String(r)} cascade`);
    return '';
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
        const order = input.searchOrder(typeof ns === 'string' ? ns : null);
        throw failure(
          s,
          'undefined-macro',
          `adapter.dispatch('${name}'${typeof ns === 'string' ? `, '${ns}'` : ''}) found neither 'postgres__${name}' nor 'default__${name}'${order.length ? ` in ${order.map((o) => `'${o}'`).join(', ')}` : ''}`,
          { hint: hint ?? (typeof ns === 'string' && !input.packageExists(ns) ? `package '${ns}' is not installed: add it to packages.yml and run \`strata deps\`` : 'define one of them in a macro file') },
        );
      }
      return fn;
    },
    quote: (id: unknown): string => quoteIdent(pyStr(id)),
    quote_as_configured: (id: unknown): string => quoteIdent(pyStr(id)),
    quote_seed_column: (col: unknown, quote: unknown): string => (quote === false ? pyStr(col) : quoteIdent(pyStr(col))),
    type: (): string => 'postgres',
    get_relation: getRelation,
    get_columns_in_relation: getColumns,
    list_relations: (database: unknown, schema: unknown) => relationsIn(pyStr(schema), pyStr(database ?? '')),
    list_relations_without_caching: (rel: unknown) => {
      const r = relationArg(state(), rel, 'adapter.list_relations_without_caching');
      return relationsIn(r.schema, r.database);
    },
    get_missing_columns: (from: unknown, to: unknown): Column[] => {
      const target = new Set(getColumns(to).map((c) => c.name));
      return getColumns(from).filter((c) => !target.has(c.name));
    },
    check_schema_exists: (database: unknown, schema: unknown): boolean => {
      void database;
      return query(`select 1 from information_schema.schemata where schema_name = ${lit(pyStr(schema))}`).rows.length > 0;
    },
    list_schemas: (database: unknown): string[] => {
      void database;
      return query('select schema_name from information_schema.schemata').rows.map((r) => String(r[0]));
    },
    create_schema: (rel: unknown): string => {
      const r = relationArg(state(), rel, 'adapter.create_schema');
      query(`create schema if not exists ${quoteIdent(r.schema)}`);
      return '';
    },
    drop_schema: (rel: unknown): string => {
      const r = relationArg(state(), rel, 'adapter.drop_schema');
      query(`drop schema if exists ${quoteIdent(r.schema)} cascade`);
      return '';
    },
    drop_relation: dropRelation,
    truncate_relation: (rel: unknown): string => {
      const r = relationArg(state(), rel, 'adapter.truncate_relation');
      query(`truncate table ${String(r)}`);
      return '';
    },
    rename_relation: (from: unknown, to: unknown): string => {
      const s = state();
      const a = relationArg(s, from, 'adapter.rename_relation');
      const b = relationArg(s, to, 'adapter.rename_relation');
      const kind = a.type === 'view' ? 'view' : 'table';
      query(`alter ${kind} ${String(a)} rename to ${quoteIdent(b.identifier)}`);
      return '';
    },
    execute: (...raw: unknown[]) => {
      const c = splitArgs(raw);
      return execute(pyStr(arg(c, 0, 'sql')), arg(c, 2, 'fetch', false) === true);
    },
    expand_target_column_types: (): string => '',
    already_exists: (schema: unknown, name: unknown): boolean =>
      relationsIn(pyStr(schema), '').some((r) => r.identifier === pyStr(name)),
    commit: (): string => '',
    cache_added: (): string => '',
    cache_dropped: (): string => '',
    cache_renamed: (): string => '',
    Column,
    Relation: relationApi(),
  };

  const run_query = (sql: unknown): AgateTable => execute(pyStr(sql), true)[1];

  const statement = (...raw: unknown[]): string => {
    const s = state();
    const c = splitArgs(raw);
    const name = pyStr(arg(c, 0, 'name', 'statement'));
    const fetch = arg(c, 1, 'fetch_result', false) === true;
    const caller = c.kwargs['caller'];
    const sql = typeof caller === 'function' ? pyStr((caller as () => unknown)()) : '';
    // dbt sends nothing while parsing; at execution every statement runs (main included)
    if (options.execute !== true) {
      s.dynamic = true;
      s.results.set(name, { response: { code: '', rows_affected: 0, _message: '' }, table: new AgateTable(EMPTY), data: [] });
      return '';
    }
    const res = query(sql);
    const table = new AgateTable(fetch ? res : EMPTY);
    const result: StatementResult = {
      response: { code: 'SUCCESS', rows_affected: res.rowCount, _message: `SUCCESS ${res.rowCount}` },
      table,
      data: fetch ? table.rows.map((r) => r.values()) : [],
    };
    s.results.set(name, result);
    if (name === 'main') s.mainSql.push(sql);
    return '';
  };

  return {
    adapter,
    api: { Relation: relationApi(), Column },
    run_query,
    statement,
    load_result: (name: unknown) => {
      const s = state();
      s.dynamic = true;
      return s.results.get(pyStr(name)) ?? null;
    },
    store_result: (...raw: unknown[]) => {
      const c = splitArgs(raw);
      state().results.set(pyStr(arg(c, 0, 'name')), {
        response: arg(c, 1, 'response', null),
        table: arg(c, 2, 'agate_table', new AgateTable(EMPTY)),
        data: [],
      });
      return '';
    },
  };
}

/** `api.Relation`: `create(...)`, the ephemeral CTE prefix. */
function relationApi(): Record<string, unknown> {
  return {
    create: (...raw: unknown[]) => {
      const c = splitArgs(raw);
      const str = (k: string, i: number): string => pyStr(arg(c, i, k, '') ?? '');
      const type = arg(c, 3, 'type', null);
      return new Relation(
        { kind: 'literal' },
        { database: str('database', 0), schema: str('schema', 1), identifier: str('identifier', 2) },
        typeof type === 'string' ? type : null,
      );
    },
    add_ephemeral_prefix: (name: unknown) => `__dbt__cte__${pyStr(name)}`,
    get_default_quote_policy: () => ({ database: true, schema: true, identifier: true }),
    is_mapping: isPlainObject,
  };
}
