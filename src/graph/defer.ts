/**
 * `--defer` (dbt semantics): a selected node reading a parent that is neither selected nor
 * built in the current target reads the relation the `--state` manifest recorded for that
 * parent instead (typically production). Slim CI builds `state:modified+` into an empty CI
 * schema and takes every unchanged parent from production.
 */
import type { Manifest, ManifestNode } from '../compiler/types.js';

export interface DeferResult {
  readonly manifest: Manifest;
  /** Node id → the state relation its references were redirected to. */
  readonly deferred: ReadonlyMap<string, string>;
}

/**
 * Rewrites the compiled SQL of selected nodes: every quoted `relation_name` of a deferred
 * parent (not selected, not existing in the target, present in `state` with another relation)
 * becomes the state's `relation_name`. Quoted three-part names cannot occur by accident.
 *
 * @example deferManifest(current, prod, new Set(['model.p.fct']), (n) => false)
 * // fct's compiled SQL: from "db"."ci_123"."dim" → from "db"."analytics"."dim"
 */
export function deferManifest(
  manifest: Manifest,
  state: Manifest,
  selected: ReadonlySet<string>,
  exists: (node: ManifestNode) => boolean,
): DeferResult {
  const swaps = new Map<string, { id: string; to: string }>();
  const deferred = new Map<string, string>();
  for (const n of Object.values(manifest.nodes)) {
    if (selected.has(n.unique_id) || !n.relation_name || n.resource_type === 'test') continue;
    if (n.config.materialized === 'ephemeral') continue;
    const before = state.nodes[n.unique_id];
    if (!before?.relation_name || before.relation_name === n.relation_name) continue;
    if (exists(n)) continue;
    swaps.set(n.relation_name, { id: n.unique_id, to: before.relation_name });
  }
  if (swaps.size === 0) return { manifest, deferred };
  const nodes: Record<string, ManifestNode> = { ...manifest.nodes };
  for (const id of selected) {
    const n = nodes[id];
    if (!n?.compiled_code) continue;
    let sql = n.compiled_code;
    for (const [from, { id: parent, to }] of swaps) {
      if (!sql.includes(from)) continue;
      sql = sql.split(from).join(to);
      deferred.set(parent, to);
    }
    if (sql !== n.compiled_code) nodes[id] = { ...n, compiled_code: sql };
  }
  return { manifest: { ...manifest, nodes }, deferred };
}
