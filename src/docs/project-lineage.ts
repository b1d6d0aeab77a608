import type { Manifest } from '../compiler/types.js';
import { columnLineage, type ColumnLineage, type RelationInfo } from './column-lineage.js';

export interface NodeColumnLineage {
  readonly columns: readonly ColumnLineage[];
  /** Set when the model's columns could not be determined at all (and why). */
  readonly error?: string;
}

/**
 * Column lineage for every model, computed in dependency order so each model's output columns
 * expand `select *` in the models that read it. Seeds and sources use `knownColumns` (CSV
 * headers, YAML, the database catalog) or their YAML `columns:`.
 *
 * @example projectColumnLineage(manifest, { 'seed.shop.raw_orders': ['order_id', 'amount'] })
 */
export function projectColumnLineage(
  manifest: Manifest,
  knownColumns: Readonly<Record<string, readonly string[]>> = {},
  order: readonly string[] = Object.keys(manifest.nodes),
): Record<string, NodeColumnLineage> {
  const byRelation = new Map<string, string>();
  const key = (schema: string | undefined, name: string): string => `${schema ?? ''}.${name}`;
  for (const n of Object.values(manifest.nodes)) if (n.relation_name) byRelation.set(key(n.schema, n.alias), n.unique_id);
  for (const s of Object.values(manifest.sources)) byRelation.set(key(s.schema, s.identifier), s.unique_id);
  const outputs = new Map<string, readonly string[]>();
  const columnsOf = (id: string): readonly string[] | undefined => {
    const computed = outputs.get(id);
    if (computed) return computed;
    if (knownColumns[id]?.length) return knownColumns[id];
    const declared = Object.keys(manifest.nodes[id]?.columns ?? manifest.sources[id]?.columns ?? {});
    return declared.length ? declared : undefined;
  };
  const result: Record<string, NodeColumnLineage> = {};
  for (const id of order) {
    const n = manifest.nodes[id];
    if (!n || n.resource_type !== 'model' || !n.compiled_code) continue;
    const r = columnLineage(n.compiled_code, ({ schema, name }): RelationInfo | undefined => {
      const target = byRelation.get(key(schema, name)) ?? (schema ? undefined : [...byRelation.entries()].find(([k]) => k.endsWith(`.${name}`))?.[1]);
      if (!target) return undefined;
      const cols = columnsOf(target);
      return cols ? { id: target, columns: cols } : { id: target };
    });
    result[id] = r.error ? { columns: [], error: r.error } : { columns: r.columns };
    if (!r.error) outputs.set(id, r.columns.map((c) => c.column));
  }
  return result;
}
