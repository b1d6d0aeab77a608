import type { ColumnDef, WarehouseAdapter } from '../../adapters/warehouse-adapter.js';
import type { ManifestNode } from '../../compiler/types.js';
import { planNode } from '../../planner/index.js';
import { contractMismatches, contractMismatchMessage, enforcedContract } from '../../planner/contract.js';
import type { NodePlan, PlanStep, RelationState } from '../../planner/types.js';
import { auditEnabled, auditTestsOf, blocks } from '../../quality/audit.js';
import { executeWithAudit } from '../../quality/wap.js';
import type { NodeOutcome } from '../dag-runner.js';
import { executeNodePlan } from '../execute-plan.js';
import type { NodeRunContext } from '../run-node.js';

/**
 * Builds a model: introspect its relation, plan the materialization, execute the plan. With
 * write-audit-publish (`audit: blocking`, default in strata projects) a `table`/`incremental`
 * model is published only when its selected error-severity tests pass on the new data.
 */
export async function runModel(ctx: NodeRunContext, node: ManifestNode): Promise<NodeOutcome> {
  if (node.config.materialized === 'ephemeral') return { status: 'success', message: 'ephemeral: inlined into its children' };
  // An enforced contract is checked before anything is sent to the target (dbt's pre-flight).
  const contract = enforcedContract(node);
  const contractColumns = contract ? await queryColumns(ctx.adapter, node) : undefined;
  if (contract && contractColumns) {
    const mismatches = contractMismatches(contract, contractColumns);
    if (mismatches.length) return { status: 'error', message: contractMismatchMessage(node.unique_id, mismatches), data: { contract_mismatches: mismatches } };
  }
  const ref = { schema: node.schema, name: node.alias };
  const existing = await ctx.adapter.getRelation(ref);
  const columns = existing ? await ctx.adapter.getColumns(ref) : [];
  let state: RelationState = { existing, columns, ...(contractColumns ? { newColumns: contractColumns } : {}) };
  const opts = { fullRefresh: ctx.fullRefresh, runId: ctx.runId };
  let plan: NodePlan = planNode(node, state, opts);
  if (plan.needsNewColumns) {
    state = { ...state, newColumns: await queryColumns(ctx.adapter, node) };
    plan = planNode(node, state, opts);
  }
  if (ctx.quality && auditEnabled(node, ctx.quality)) {
    const tests = auditTestsOf(ctx.manifest, node.unique_id, ctx.quality.selected);
    if (tests.length > 0) return runAudited(ctx, node, plan, tests);
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

async function runAudited(ctx: NodeRunContext, node: ManifestNode, plan: NodePlan, tests: readonly ManifestNode[]): Promise<NodeOutcome> {
  let r;
  try {
    r = await executeWithAudit(ctx.adapter, plan, node, tests, ctx.manifest);
  } catch (e) {
    ctx.onExecuted?.(node, plan.phases.flatMap((p) => p.steps.map((s) => s.sql)));
    throw e;
  }
  ctx.onExecuted?.(node, r.executed);
  for (const t of r.tests) {
    const suffix = r.published ? ' (audited before publish)' : ' (on the held-back data; the published relation is unchanged)';
    ctx.quality?.auditResults.set(t.id, { status: t.status, message: t.message + suffix, data: { failures: t.failures, audited: true } });
  }
  const rows = r.rowsAffected !== null ? ` (${r.rowsAffected} rows)` : '';
  if (!r.published) {
    const failed = r.tests.filter(blocks);
    return {
      status: 'error',
      message:
        `held back by write-audit-publish: ${failed.length} of ${r.tests.length} audit test${r.tests.length === 1 ? '' : 's'} failed ` +
        `(${failed.map((t) => `${t.name}: ${t.message}`).join('; ')}); ${node.relation_name ?? node.alias} was not changed`,
      rowsAffected: 0,
      data: { held_back: true, failed_tests: failed.map((t) => t.id) },
    };
  }
  return {
    status: 'success',
    message: `${plan.materialization}${rows}, audited by ${r.tests.length} test${r.tests.length === 1 ? '' : 's'}`,
    rowsAffected: r.rowsAffected,
    data: { audited: r.tests.map((t) => t.id) },
  };
}

/** Columns a model's query produces, without running it: a temporary view's catalog entry. */
export async function queryColumns(adapter: WarehouseAdapter, node: ManifestNode): Promise<ColumnDef[]> {
  return sqlColumns(adapter, node.compiled_code ?? '');
}

/** Columns any query produces, without running it (unit tests introspect their fixtures with it). */
export async function sqlColumns(adapter: WarehouseAdapter, sql: string): Promise<ColumnDef[]> {
  return adapter.withSession(async (s) => {
    const name = `strata_cols_${Math.random().toString(16).slice(2, 10)}`;
    await s.query(`create temporary view "${name}" as select * from (${sql}\n) q limit 0`);
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
