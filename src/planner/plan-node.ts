/**
 * Entry point of the planner: one manifest node + the current state of its relation → the SQL
 * its materialization runs, as plain data.
 */
import type { ManifestNode } from '../compiler/types.js';
import { withHooks } from './hooks.js';
import { readModelConfig } from './model-config.js';
import { PlanError } from './plan-error.js';
import { planIncremental } from './plan-incremental.js';
import { planRebuild, targetOf } from './plan-table.js';
import { planView } from './plan-view.js';
import type { NodePlan, PlanOptions, RelationState } from './types.js';
import { addCitus, planModeling } from '../modeling/plan-modeling.js';
import { planFeatureTable } from '../features/plan-feature-table.js';

/** Materializations planNode handles (star-schema ones through src/modeling; seeds, snapshots, tests elsewhere). */
export const PLANNED_MATERIALIZATIONS = ['view', 'table', 'incremental', 'ephemeral', 'materialized_view', 'dimension', 'fact', 'date_dimension', 'feature_table'] as const;

/**
 * Plans a model. When the result has `needsNewColumns`, introspect the query's columns
 * (`select * from (<sql>) q limit 0`) into `state.newColumns` and call again.
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
  if (materialization === 'ephemeral') {
    return { unique_id: node.unique_id, materialization, relation: null, temporaries: [], phases: [] };
  }
  const modeling = planModeling(node, state, opts);
  if (modeling) return modeling;
  return addCitus(node, planCore(node, state, opts, materialization));
}

function planCore(node: ManifestNode, state: RelationState, opts: PlanOptions, materialization: string): NodePlan {
  const cfg = readModelConfig(node);
  switch (materialization) {
    case 'view':
      return planView(node, state, opts, cfg);
    case 'table':
      return planRebuild(node, state, opts, cfg, 'table');
    case 'incremental':
      return planIncremental(node, state, opts, cfg);
    case 'feature_table':
      return planFeatureTable(node, state, opts);
    case 'materialized_view':
      // Whether the SQL changed is unknowable here, so always rebuild + swap (never a stale refresh).
      return planRebuild(node, state, opts, cfg, 'materialized_view');
    default:
      throw new PlanError('unsupported', node.unique_id, `materialization '${materialization}' is not handled by planNode`);
  }
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
