import type { ColumnDef, WarehouseAdapter } from '../../adapters/warehouse-adapter.js';
import type { ManifestNode } from '../../compiler/types.js';
import { planNode } from '../../planner/index.js';
import type { NodePlan, PlanStep, RelationState } from '../../planner/types.js';
import type { NodeOutcome } from '../dag-runner.js';
import { executeNodePlan } from '../execute-plan.js';
import type { NodeRunContext } from '../run-node.js';

/** Builds a model: introspect its relation, plan the materialization, execute the plan. */
export async function runModel(ctx: NodeRunContext, node: ManifestNode): Promise<NodeOutcome> {
  if (node.config.materialized === 'ephemeral') return { status: 'success', message: 'ephemeral: inlined into its children' };
  const ref = { schema: node.schema, name: node.alias };
  const existing = await ctx.adapter.getRelation(ref);
  const columns = existing ? await ctx.adapter.getColumns(ref) : [];
  let state: RelationState = { existing, columns };
  const opts = { fullRefresh: ctx.fullRefresh, runId: ctx.runId };
  let plan: NodePlan = planNode(node, state, opts);
  if (plan.needsNewColumns) {
    state = { ...state, newColumns: await queryColumns(ctx.adapter, node) };
    plan = planNode(node, state, opts);
  }
  const executed: PlanStep[] = [];
  try {
    const r = await executeNodePlan(ctx.adapter, plan);
    executed.push(...r.executed);
    ctx.onExecuted?.(node, r.executed.map((s) => s.sql));
    return {
      status: 'success',
      message: `${plan.materialization}${r.rowsAffected !== null ? ` (${r.rowsAffected} rows)` : ''}`,
      rowsAffected: r.rowsAffected,
    };
  } catch (e) {
    ctx.onExecuted?.(node, plan.phases.flatMap((p) => p.steps.map((s) => s.sql)));
    throw e;
  }
}

/** Columns a model's query produces, without running it: a temporary view's catalog entry. */
export async function queryColumns(adapter: WarehouseAdapter, node: ManifestNode): Promise<ColumnDef[]> {
  return adapter.withSession(async (s) => {
    const name = `strata_cols_${Math.random().toString(16).slice(2, 10)}`;
    await s.query(`create temporary view "${name}" as select * from (${node.compiled_code ?? ''}\n) q limit 0`);
    try {
      const r = await s.query<{ name: string; data_type: string }>(
        `select a.attname as name, format_type(a.atttypid, a.atttypmod) as data_type
         from pg_attribute a join pg_class c on c.oid = a.attrelid
         where c.relname = $1 and c.relpersistence = 't' and a.attnum > 0 and not a.attisdropped
         order by a.attnum`,
        [name],
      );
      return r.rows.map((x) => ({ name: x.name, dataType: x.data_type }));
    } finally {
      await s.query(`drop view if exists "${name}"`);
    }
  });
}

