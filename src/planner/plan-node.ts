/**
 * Entry point of the planner: one manifest node + the current state of its relation → the SQL
 * its materialization runs, as plain data.
 */
import type { ManifestNode } from '../compiler/types.js';
import { withHooks } from './hooks.js';
import { builtinMaterialization, builtinMaterializationNames, planWith } from './materializations.js';
import { PlanError } from './plan-error.js';
import { targetOf } from './plan-table.js';
import type { NodePlan, PlanOptions, RelationState } from './types.js';

/** Materializations planNode handles (seeds, snapshots and user materializations run elsewhere). */
export const PLANNED_MATERIALIZATIONS = builtinMaterializationNames().filter((n) => builtinMaterialization(n)?.plan !== undefined);

/**
 * Plans a model from its materialization's record (materializations.ts). When the result has
 * `needsNewColumns`, introspect the query's columns (`select * from (<sql>) q limit 0`) into
 * `state.newColumns` and call again.
 *
 * @example
 * planNode(node, { existing: undefined, columns: [] }, { fullRefresh: false, runId: 'r1' })
 * // { materialization: 'table', relation: {schema:'analytics', name:'orders'},
 * //   temporaries: [{schema:'analytics', name:'orders__strata_tmp_…'}],
 * //   phases: [{ transactional: false, steps: [create table "analytics"."orders__strata_tmp_…" as (…)] },
 * //            { transactional: true,  steps: [alter table "analytics"."orders__strata_tmp_…" rename to "orders"] }] }
 */
export function planNode(node: ManifestNode, state: RelationState, opts: PlanOptions): NodePlan {
  const materialization = String(node.config.materialized);
  const record = builtinMaterialization(materialization);
  if (!record?.plan) {
    // unknown names are compile-time diagnostics (check-config.ts); reaching here is a bug
    throw new PlanError('unsupported', node.unique_id, `materialization '${materialization}' has no planner`);
  }
  return planWith(record, node, state, opts);
}

/**
 * A plan that only runs SQL hooks (`on-run-start` / `on-run-end`), one transaction.
 *
 * @example planHooks('on-run-end', ['grant usage on schema analytics to reporter'])
 */
export function planHooks(uniqueId: string, sqls: readonly string[]): NodePlan {
  const hooks = sqls.filter((s) => s.trim() !== '').map((sql) => ({ sql, transaction: true }));
  return { unique_id: uniqueId, materialization: 'operation', relation: null, temporaries: [], phases: withHooks([], hooks, []) };
}

export { targetOf };
