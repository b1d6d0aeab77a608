/**
 * `strata show`: a node's compiled SELECT (or an inline query) run with a row limit, read-only,
 * against the target. Nothing is built; refs read the relations already in the target.
 */
import type { TableResult, WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import type { ManifestNode } from '../compiler/types.js';
import { modelSql, qualified } from '../planner/sql.js';

/** What `show` runs: the statement and where the node's compiled SQL starts in it. */
export interface ShowStatement {
  readonly sql: string;
  /** 0-based offset of the node's compiled SQL in `sql` (to locate database errors). */
  readonly bodyAt: number;
  /** The text at `bodyAt` (compiled SQL without a trailing `;`). */
  readonly body: string;
}

/**
 * The query of a node with at most `limit` rows (null: all). A seed reads its table; other nodes
 * run their compiled SQL as a subquery, so a model's own `order by`/`limit` keeps its meaning.
 *
 * @example showStatement({ resource_type: 'model', compiled_code: 'select 1 as a;' }, 5).sql
 * // 'select * from (\nselect 1 as a\n) as strata_show_subq limit 5'
 */
export function showStatement(node: Pick<ManifestNode, 'resource_type' | 'compiled_code' | 'schema' | 'alias'>, limit: number | null): ShowStatement {
  const body = node.resource_type === 'seed' ? `select * from ${qualified({ schema: node.schema, name: node.alias })}` : modelSql(node.compiled_code ?? '');
  if (limit === null) return { sql: body, bodyAt: 0, body };
  const head = 'select * from (\n';
  return { sql: `${head}${body}\n) as strata_show_subq limit ${limit}`, bodyAt: head.length, body };
}

/** Result columns and rows as JSON-friendly values (timestamps as ISO text, bigints as numbers when exact). */
export interface ShowResult {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

/**
 * Runs the statement in a read-only transaction (a statement that would write fails instead).
 * Database errors are thrown as the adapter reports them.
 */
export async function runShow(adapter: WarehouseAdapter, statement: ShowStatement): Promise<ShowResult> {
  const table = await adapter.transaction(async (s) => {
    await s.query('set transaction read only');
    return s.queryTable(statement.sql);
  });
  return toShowResult(table);
}

function plain(v: unknown): unknown {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString();
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return `\\x${Buffer.from(v).toString('hex')}`;
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

export function toShowResult(t: TableResult): ShowResult {
  // duplicate names (select a.id, b.id) get a suffix so no column is lost in the row objects
  const seen = new Map<string, number>();
  const columns = t.columns.map((c) => {
    const n = seen.get(c.name) ?? 0;
    seen.set(c.name, n + 1);
    return n === 0 ? c.name : `${c.name}_${n + 1}`;
  });
  const rows = t.rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, plain(r[i])])));
  return { columns, rows };
}
