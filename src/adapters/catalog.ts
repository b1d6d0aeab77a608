/**
 * Relation and column introspection through pg_catalog, shared by both adapters (PGlite is
 * PostgreSQL, so the same SQL serves). Schema and relation names are always bound parameters.
 */
import type { ColumnDef, ExistingRelation, QueryResult, RelationKind, RelationRef } from './warehouse-adapter.js';

/** Anything that can run one parameterised statement (an adapter or a session). */
export type RunQuery = <Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]) => Promise<QueryResult<Row>>;

const KINDS: Readonly<Record<string, RelationKind>> = {
  r: 'table',
  v: 'view',
  m: 'materialized_view',
  p: 'partitioned_table',
  f: 'foreign_table',
};

const RELATIONS_SQL = `select n.nspname as schema, c.relname as name, c.relkind::text as kind
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = $1 and c.relkind in ('r', 'v', 'm', 'p', 'f')`;

interface RelationRow {
  readonly schema: string;
  readonly name: string;
  readonly kind: string;
}

function toRelation(row: RelationRow): ExistingRelation {
  const kind = KINDS[row.kind];
  if (!kind) throw new Error(`unexpected relkind '${row.kind}' for ${row.schema}.${row.name}`);
  return { schema: row.schema, name: row.name, kind };
}

/**
 * The relation called `ref.name` in `ref.schema` (tables, views, materialized views, partitioned
 * and foreign tables), or undefined.
 *
 * @example await getRelation(db.query, { schema: 'analytics', name: 'orders' })
 * // select ... from pg_catalog.pg_class c ... where n.nspname = $1 and ... and c.relname = $2
 */
export async function getRelation(run: RunQuery, ref: RelationRef): Promise<ExistingRelation | undefined> {
  const r = await run<RelationRow>(`${RELATIONS_SQL} and c.relname = $2`, [ref.schema, ref.name]);
  const row = r.rows[0];
  return row ? toRelation(row) : undefined;
}

/** Every relation in a schema, ordered by name. */
export async function listRelations(run: RunQuery, schema: string): Promise<ExistingRelation[]> {
  const r = await run<RelationRow>(`${RELATIONS_SQL} order by c.relname`, [schema]);
  return r.rows.map(toRelation);
}

/**
 * Columns in ordinal order with their types as `format_type` prints them.
 *
 * @example await getColumns(db.query, { schema: 'analytics', name: 'orders' })
 * // [{ name: 'id', dataType: 'integer' }, { name: 'amount', dataType: 'numeric(10,2)' }]
 */
export async function getColumns(run: RunQuery, ref: RelationRef): Promise<ColumnDef[]> {
  const r = await run<{ name: string; data_type: string }>(
    `select a.attname as name, pg_catalog.format_type(a.atttypid, a.atttypmod) as data_type
from pg_catalog.pg_attribute a
join pg_catalog.pg_class c on c.oid = a.attrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = $1 and c.relname = $2 and a.attnum > 0 and not a.attisdropped
order by a.attnum`,
    [ref.schema, ref.name],
  );
  return r.rows.map((row) => ({ name: row.name, dataType: row.data_type }));
}

/** The advisory-lock key of a schema's run lock (one namespace per schema). */
export function runLockKeySql(): string {
  return `hashtext('strata:' || $1)`;
}
