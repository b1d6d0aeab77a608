/**
 * Dispatch for the star-schema materializations, called by the planner's `planNode`; adds the
 * Citus phase to any plan whose config asks for it.
 */
import type { ManifestNode } from '../compiler/types.js';
import { readModelConfig } from '../planner/model-config.js';
import { PlanError } from '../planner/plan-error.js';
import type { NodePlan, PlanOptions, RelationState } from '../planner/types.js';
import { withCitus } from './citus.js';
import { readCitusConfig } from './config.js';
import { planDateDimension } from './date-dimension.js';
import { planDimension } from './plan-dimension.js';
import { planFact } from './plan-fact.js';

export const MODELING_MATERIALIZATIONS = ['dimension', 'fact', 'date_dimension'] as const;

/**
 * Plans a `dimension`, `fact` or `date_dimension` model (undefined for other materializations).
 *
 * @example planModeling(node, state, { fullRefresh: false, runId: 'r1' }) // NodePlan, or { needsNewColumns: true }
 */
export function planModeling(node: ManifestNode, state: RelationState, opts: PlanOptions): NodePlan | undefined {
  const m = String(node.config.materialized);
  const cfg = readModelConfig(node);
  switch (m) {
    case 'dimension':
      return addCitus(node, planDimension(node, state, opts, cfg));
    case 'fact':
      return addCitus(node, planFact(node, state, opts, cfg));
    case 'date_dimension':
      return addCitus(node, planDateDimension(node, state, opts, cfg));
    default:
      return undefined;
  }
}

/**
 * The Citus phase for a plan whose node sets `distributed_by` or `reference` (views never are).
 *
 * @example addCitus(node, plan) // plan + { transactional: false, steps: [citus distribute] }
 */
export function addCitus(node: ManifestNode, plan: NodePlan): NodePlan {
  if (plan.needsNewColumns || !plan.relation || plan.materialization === 'view' || plan.materialization === 'ephemeral') return plan;
  const r = readCitusConfig(node.config);
  if (!r.ok) throw new PlanError('config-invalid', node.unique_id, r.problems.map((p) => `config '${p.key}': ${p.message}`).join('; '));
  return { ...plan, phases: withCitus(plan.phases, plan.relation, r.value) };
}
