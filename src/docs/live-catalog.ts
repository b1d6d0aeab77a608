import type { Manifest } from '../compiler/types.js';

/** Runs one parameterised statement (a WarehouseAdapter's `query`). */
export type CatalogQuery = <Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]) => Promise<{ readonly rows: readonly Row[] }>;

interface ColumnRow {
  readonly table_schema: string;
  readonly table_name: string;
  readonly column_name: string;
  readonly data_type: string;
  readonly ordinal_position: number;
}

/**
 * dbt's `catalog.json` for the project's built relations, read from the live database: every
 * column of every model, seed, snapshot and source with its type and position. One query over
 * pg_catalog for all schemas (names bound as parameters).
 *
 * @example
 * await liveCatalog(adapter.query.bind(adapter), manifest)
 * // select … from pg_catalog.pg_attribute … where n.nspname = any($1)
 * // → { nodes: { 'model.shop.orders': { columns: { id: { name: 'id', type: 'integer', index: 1 } } } }, sources: {…} }
 */
export async function liveCatalog(query: CatalogQuery, manifest: Manifest): Promise<Record<string, unknown>> {
  const owners = new Map<string, { id: string; kind: 'nodes' | 'sources' }>();
  for (const n of Object.values(manifest.nodes)) {
    if (n.relation_name && n.resource_type !== 'test') owners.set(`${n.schema}.${n.alias}`, { id: n.unique_id, kind: 'nodes' });
  }
  for (const s of Object.values(manifest.sources)) owners.set(`${s.schema}.${s.identifier}`, { id: s.unique_id, kind: 'sources' });
  const schemas = [...new Set([...owners.keys()].map((k) => k.slice(0, k.indexOf('.'))))];
  const r = await query<ColumnRow>(
    `select n.nspname as table_schema, c.relname as table_name, a.attname as column_name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) as data_type, a.attnum as ordinal_position
     from pg_catalog.pg_attribute a
     join pg_catalog.pg_class c on c.oid = a.attrelid
     join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any($1) and a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'v', 'm', 'p', 'f')
     order by 1, 2, 5`,
    [schemas],
  );
  const out: { nodes: Record<string, { unique_id: string; columns: Record<string, unknown> }>; sources: Record<string, { unique_id: string; columns: Record<string, unknown> }> } = { nodes: {}, sources: {} };
  for (const row of r.rows) {
    const owner = owners.get(`${row.table_schema}.${row.table_name}`);
    if (!owner) continue;
    const table = (out[owner.kind][owner.id] ??= { unique_id: owner.id, columns: {} });
    table.columns[row.column_name] = { name: row.column_name, type: row.data_type, index: Number(row.ordinal_position) };
  }
  return {
    metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/catalog/v1.json', strata_version: '0.1.0', generated_at: new Date().toISOString() },
    ...out,
    errors: null,
  };
}
