import type { ManifestNode } from '../../compiler/types.js';
import { planSnapshot } from '../../modeling/plan-snapshot.js';
import type { NodePlan, RelationState } from '../../planner/types.js';
import type { NodeOutcome } from '../dag-runner.js';
import { executeNodePlan } from '../execute-plan.js';
import type { NodeRunContext } from '../run-node.js';
import { queryColumns } from './model.js';

/**
 * Runs a snapshot (SCD2 history of its query, dbt semantics): introspect the table and the
 * query's columns, plan with `modeling/plan-snapshot`, run the plan (one transaction).
 */
export async function runSnapshot(ctx: NodeRunContext, node: ManifestNode): Promise<NodeOutcome> {
  const ref = { schema: node.schema, name: node.alias };
  const existing = await ctx.adapter.getRelation(ref);
  const columns = existing ? await ctx.adapter.getColumns(ref) : [];
  const state: RelationState = { existing, columns, newColumns: await queryColumns(ctx.adapter, node) };
  const plan: NodePlan = planSnapshot(node, state, { fullRefresh: ctx.fullRefresh, runId: ctx.runId });
  try {
    const r = await executeNodePlan(ctx.adapter, plan);
    ctx.onExecuted?.(node, r.executed.map((s) => s.sql));
    return { status: 'success', message: `snapshot${r.rowsAffected !== null ? ` (${r.rowsAffected} rows)` : ''}`, rowsAffected: r.rowsAffected };
  } catch (e) {
    ctx.onExecuted?.(node, plan.phases.flatMap((p) => p.steps.map((s) => s.sql)));
    throw e;
  }
}
