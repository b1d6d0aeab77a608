/**
 * Runs a compiled unit test as queries only (nothing is created in the target schema): each
 * input becomes a CTE of its given rows, typed like the real upstream relation's columns (or
 * from the values when the upstream is not built, said in the message), inputs not given are
 * empty with the upstream's columns; the model's SQL runs on them and its rows are compared with
 * `expect` as multisets over the columns `expect` names.
 */
import type { ColumnDef, WarehouseAdapter } from '../../adapters/warehouse-adapter.js';
import { injectCtes } from '../../compiler/resolve-relations.js';
import type { ManifestNode } from '../../compiler/types.js';
import { ident, literal, qualified } from '../../planner/sql.js';
import { textTable } from '../../shared/text-table.js';
import type { Fixture, UnitTestInput, UnitTestSpec } from './types.js';

export interface UnitTestOutcome {
  readonly status: 'pass' | 'fail' | 'error';
  readonly message: string;
  /** Statements run (for target/run). */
  readonly sql: readonly string[];
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Columns a query returns, without running it (the executor's temporary-view introspection). */
export type ColumnsOf = (sql: string) => Promise<ColumnDef[]>;

class UnitTestError extends Error {}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A typed SQL value: `cast('1' as integer)`; NULL keeps its type too. */
function typed(v: unknown, type: string): string {
  const t = text(v);
  return `cast(${t === null ? 'null' : literal(t)} as ${type})`;
}

/** A value typed from itself (upstream not built): numbers, booleans, else text. */
function inferred(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : `${v}::numeric`;
  if (typeof v === 'boolean') return String(v);
  return `${literal(text(v)!)}::text`;
}

function rowsSelect(rows: readonly Readonly<Record<string, unknown>>[], columns: readonly string[], value: (row: Readonly<Record<string, unknown>>, col: string) => string, empty: (col: string) => string): string {
  if (rows.length === 0) return `select ${columns.map((c) => `${empty(c)} as ${ident(c)}`).join(', ')} where false`;
  return rows.map((r) => `select ${columns.map((c) => `${value(r, c)} as ${ident(c)}`).join(', ')}`).join('\nunion all\n');
}

function keysOf(rows: readonly Readonly<Record<string, unknown>>[]): string[] {
  const out: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!out.includes(k)) out.push(k);
  return out;
}

/** The CTE body of one input; `notes` collects what the user should know (types inferred). */
async function inputSql(adapter: WarehouseAdapter, columnsOf: ColumnsOf, x: UnitTestInput, notes: string[]): Promise<string> {
  let columns: ColumnDef[] | undefined;
  let where = '';
  if (x.relation) {
    const exists = await adapter.getRelation(x.relation);
    if (exists) columns = await adapter.getColumns(x.relation);
    where = qualified(x.relation);
  } else if (x.ephemeralSql) {
    columns = await columnsOf(x.ephemeralSql).catch(() => undefined);
    where = `(\n${x.ephemeralSql}\n) as strata_ephemeral`;
  }
  const f = x.fixture;
  if (!f) {
    if (!columns) {
      throw new UnitTestError(
        `input ${x.input} is not given and ${where || 'its relation'} does not exist in the warehouse, so its columns are unknown: build it first (strata run -s ${x.cte}) or give rows for it`,
      );
    }
    return `select * from ${where} where false`;
  }
  if (f.format === 'sql') return f.sql ?? '';
  const rows = f.rows ?? [];
  if (columns) {
    const byName = new Map(columns.map((c) => [c.name, c.dataType]));
    for (const k of keysOf(rows)) {
      if (!byName.has(k)) throw new UnitTestError(`given ${x.input} (${f.file}:${f.line}): column '${k}' is not a column of ${where} (its columns: ${columns.map((c) => c.name).join(', ')})`);
    }
    return rowsSelect(rows, columns.map((c) => c.name), (r, c) => typed(r[c], byName.get(c)!), (c) => `cast(null as ${byName.get(c)!})`);
  }
  const keys = keysOf(rows);
  if (keys.length === 0) throw new UnitTestError(`given ${x.input} has no rows and ${where || 'its relation'} does not exist in the warehouse: its columns are unknown`);
  notes.push(`${x.input} is not built in the warehouse: its column types were inferred from the given rows`);
  return rowsSelect(rows, keys, (r, c) => inferred(r[c]), () => 'null');
}

/**
 * Runs one unit test node (its `unit_test` spec).
 *
 * @example await runUnitTestSpec(adapter, node, columnsOf)
 * // { status: 'fail', message: 'actual differs from expected (- expected, not returned; + returned, not expected)\n| diff | id | total |…' }
 */
export async function runUnitTestSpec(adapter: WarehouseAdapter, node: ManifestNode, columnsOf: ColumnsOf): Promise<UnitTestOutcome> {
  const spec: UnitTestSpec | undefined = node.unit_test;
  if (!spec) return { status: 'error', message: `${node.unique_id} has no unit test definition`, sql: [] };
  const notes: string[] = [];
  const executed: string[] = [];
  try {
    const ctes: { name: string; sql: string }[] = [];
    for (const x of spec.inputs) ctes.push({ name: x.cte, sql: await inputSql(adapter, columnsOf, x, notes) });
    const modelSql = injectCtes(spec.sql, ctes);
    let actualCols: ColumnDef[];
    try {
      actualCols = await columnsOf(modelSql);
    } catch (e) {
      throw new UnitTestError(`the model's SQL failed on the fixtures: ${e instanceof Error ? e.message : String(e)}`);
    }
    const actualType = new Map(actualCols.map((c) => [c.name, c.dataType]));
    const expect = spec.expect;
    const expectedSql = await expectedRows(expect, actualCols, actualType, columnsOf);
    const cols = expectedSql.columns;
    const diffSql =
      `with strata_actual as (\n  select ${cols.map((c) => `${ident(c)}::text as ${ident(c)}`).join(', ')} from (\n${modelSql}\n) as strata_model\n),\n` +
      `strata_expected as (\n${expectedSql.sql}\n)\n` +
      `select '-' as strata_diff, * from (select * from strata_expected except all select * from strata_actual) as strata_missing\n` +
      `union all\nselect '+' as strata_diff, * from (select * from strata_actual except all select * from strata_expected) as strata_extra`;
    executed.push(diffSql);
    const diff = await adapter.query<Record<string, string | null>>(diffSql);
    const suffix = notes.length ? ` (note: ${notes.join('; ')})` : '';
    if (diff.rows.length === 0) return { status: 'pass', message: `actual rows equal expected over ${cols.join(', ')}${suffix}`, sql: executed };
    const missing = diff.rows.filter((r) => r['strata_diff'] === '-').length;
    const extra = diff.rows.length - missing;
    const table = textTable([['', ...cols], ...diff.rows.map((r) => [String(r['strata_diff']), ...cols.map((c) => r[c] ?? 'null')])]);
    return {
      status: 'fail',
      message:
        `actual differs from expected: ${missing} expected row${missing === 1 ? '' : 's'} not returned (-), ${extra} returned row${extra === 1 ? '' : 's'} not expected (+)${suffix}\n${table}`,
      sql: executed,
      data: { failures: diff.rows.length },
    };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { status: 'error', message: `${message}${notes.length ? ` (note: ${notes.join('; ')})` : ''}`, sql: executed };
  }
}

/** The expected rows as text, typed through the model's column types, over the columns `expect` names. */
async function expectedRows(expect: Fixture, actual: readonly ColumnDef[], type: ReadonlyMap<string, string>, columnsOf: ColumnsOf): Promise<{ sql: string; columns: string[] }> {
  const check = (cols: readonly string[]): void => {
    const unknown = cols.filter((c) => !type.has(c));
    if (unknown.length) {
      throw new UnitTestError(
        `expect (${expect.file}:${expect.line}) names column${unknown.length === 1 ? '' : 's'} ${unknown.map((c) => `'${c}'`).join(', ')} that the model does not return (it returns ${actual.map((c) => c.name).join(', ')})`,
      );
    }
  };
  if (expect.format === 'sql') {
    const cols = (await columnsOf(expect.sql ?? '')).map((c) => c.name);
    check(cols);
    return { sql: `select ${cols.map((c) => `cast(${ident(c)} as ${type.get(c)!})::text as ${ident(c)}`).join(', ')} from (\n${expect.sql}\n) as strata_expect`, columns: cols };
  }
  const rows = expect.rows ?? [];
  const keys = keysOf(rows);
  const cols = keys.length ? keys : actual.map((c) => c.name);
  check(cols);
  return { sql: rowsSelect(rows, cols, (r, c) => `${typed(r[c], type.get(c)!)}::text`, () => 'cast(null as text)'), columns: cols };
}
