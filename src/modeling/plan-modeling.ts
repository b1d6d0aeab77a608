/**
 * Citus distribution as a capability of materializations (planner/materializations.ts): adds
 * the Citus phase to any plan whose config asks for it.
 */
import type { ManifestNode } from '../compiler/types.js';
import { PlanError } from '../planner/plan-error.js';
import type { NodePlan } from '../planner/types.js';
import { withCitus } from './citus.js';
import { readCitusConfig } from './config.js';

export function addCitus(node: ManifestNode, plan: NodePlan): NodePlan {
  if (plan.needsNewColumns || !plan.relation || plan.materialization === 'view' || plan.materialization === 'ephemeral') return plan;
  const r = readCitusConfig(node.config);
  if (!r.ok) throw new PlanError('config-invalid', node.unique_id, r.problems.map((p) => `config '${p.key}': ${p.message}`).join('; '));
  return { ...plan, phases: withCitus(plan.phases, plan.relation, r.value) };
}
