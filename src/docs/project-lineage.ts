import { hash } from 'node:crypto';
import type { Manifest } from '../compiler/types.js';
import { columnLineage, type ColumnLineage, type RelationInfo } from './column-lineage.js';

export interface NodeColumnLineage {
  readonly columns: readonly ColumnLineage[];
  /** Set when the model's columns could not be determined at all (and why). */
  readonly error?: string;
}

/**
 * Results of an earlier run, keyed by unique id; an entry is reused when its `key` (hash of the
 * compiled SQL and the columns of everything the model reads) is unchanged. Mutated in place.
 */
/** Materializations whose table has columns its SELECT does not list (keys, validity ranges). */
const ADDS_COLUMNS: ReadonlySet<string> = new Set(['dimension', 'fact', 'snapshot', 'feature_table']);

/** Bump when the lineage walker changes: cached results of older walkers are recomputed. */
const ALGORITHM = 'column-lineage-3';

export type LineageCache = Map<string, { readonly key: string; readonly result: NodeColumnLineage }>;

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
  cache?: LineageCache,
): Record<string, NodeColumnLineage> {
  const byRelation = new Map<string, string>();
  // Unqualified names (hand-written `from orders`): only when exactly one relation has that name.
  const byName = new Map<string, string | null>();
  const key = (schema: string | undefined, name: string): string => `${schema ?? ''}.${name}`;
  const addRelation = (schema: string, name: string, id: string): void => {
    byRelation.set(key(schema, name), id);
    byName.set(name, byName.has(name) && byName.get(name) !== id ? null : id);
  };
  for (const n of Object.values(manifest.nodes)) if (n.relation_name) addRelation(n.schema, n.alias, n.unique_id);
  for (const s of Object.values(manifest.sources)) addRelation(s.schema, s.identifier, s.unique_id);
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
    const cacheKey = cache
      ? hash('sha1', [ALGORITHM, n.compiled_code, ...n.depends_on.nodes.map((d) => `${d}:${String(manifest.nodes[d]?.config.materialized)}:${columnsOf(d)?.join(',') ?? '?'}`)].join('\u0000'))
      : '';
    const hit = cache?.get(id);
    let r: NodeColumnLineage;
    if (hit && hit.key === cacheKey) r = hit.result;
    else {
      const out = columnLineage(n.compiled_code, ({ schema, name }): RelationInfo | undefined => {
        const target = byRelation.get(key(schema, name)) ?? (schema ? undefined : (byName.get(name) ?? undefined));
        if (!target) return undefined;
        const cols = columnsOf(target);
        const open = ADDS_COLUMNS.has(String(manifest.nodes[target]?.config.materialized));
        return cols ? { id: target, columns: cols, ...(open ? { open } : {}) } : { id: target };
      });
      r = out.error ? { columns: [], error: out.error } : { columns: out.columns };
      cache?.set(id, { key: cacheKey, result: r });
    }
    result[id] = r;
    if (!r.error) outputs.set(id, r.columns.map((c) => c.column));
  }
  return result;
}
