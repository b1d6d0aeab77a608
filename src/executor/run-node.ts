import { join } from 'node:path';
import type { ColumnDef, WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import type { Manifest, ManifestNode } from '../compiler/types.js';
import { planNode } from '../planner/index.js';
import type { NodePlan, PlanStep, RelationState } from '../planner/types.js';
import type { SeedProfile } from '../seeds/index.js';
import { loadSeed } from '../seeds/index.js';
import type { NodeOutcome } from './dag-runner.js';
import { executeNodePlan } from './execute-plan.js';

export interface NodeRunContext {
  readonly adapter: WarehouseAdapter;
  readonly manifest: Manifest;
  readonly projectRoot: string;
  readonly fullRefresh: boolean;
  readonly runId: string;
  /** Seed profiles checked before the run started (malformed CSVs never reach the database). */
  readonly seedProfiles: ReadonlyMap<string, SeedProfile>;
  /** Receives the SQL a node ran, for `target/run/**.sql`. */
  readonly onExecuted?: (node: ManifestNode, sql: readonly string[]) => void;
}

/**
 * Runs one node by resource type: models through planner + plan execution, seeds through
 * COPY, tests as a failure count. Database errors become `error` outcomes (never throws for them).
 */
export async function runNode(ctx: NodeRunContext, id: string, signal: AbortSignal): Promise<NodeOutcome> {
  const node = ctx.manifest.nodes[id];
  if (!node) return { status: 'skipped', message: `${id} is not a runnable node` };
  if (signal.aborted) return { status: 'skipped', message: 'run stopped' };
  try {
    switch (node.resource_type) {
      case 'model':
        return await runModel(ctx, node);
      case 'seed':
        return await runSeed(ctx, node);
      case 'test':
        return await runTest(ctx, node);
      case 'snapshot':
        return { status: 'error', message: 'snapshots are not supported by this version of strata yet' };
      default:
        return { status: 'skipped', message: `${node.resource_type} nodes are not run` };
    }
  } catch (e) {
    return { status: 'error', message: errorMessage(e) };
  }
}

async function runModel(ctx: NodeRunContext, node: ManifestNode): Promise<NodeOutcome> {
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
async function queryColumns(adapter: WarehouseAdapter, node: ManifestNode): Promise<ColumnDef[]> {
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

async function runSeed(ctx: NodeRunContext, node: ManifestNode): Promise<NodeOutcome> {
  const profile = ctx.seedProfiles.get(node.unique_id);
  if (!profile) return { status: 'error', message: `seed ${node.name} was not checked before the run` };
  const r = await loadSeed(ctx.adapter, {
    schema: node.schema,
    name: node.alias,
    absPath: join(ctx.projectRoot, node.original_file_path),
    profile,
    ...(node.config['column_types'] ? { columnTypes: node.config['column_types'] as Record<string, unknown> } : {}),
    ...(typeof node.config['delimiter'] === 'string' ? { delimiter: node.config['delimiter'] } : {}),
    fullRefresh: ctx.fullRefresh || node.config['full_refresh'] === true,
    runId: ctx.runId,
  });
  ctx.onExecuted?.(node, r.sql);
  return { status: 'success', message: `seed ${r.mode} (${r.rows} rows)`, rowsAffected: r.rows };
}

/**
 * A test passes when its query returns no rows. `severity: warn` (or `warn_if`/`error_if`
 * thresholds on the failure count) make failures warnings.
 */
async function runTest(ctx: NodeRunContext, node: ManifestNode): Promise<NodeOutcome> {
  const c = node.config;
  const where = typeof c['where'] === 'string' ? c['where'] : undefined;
  const limit = typeof c['limit'] === 'number' ? c['limit'] : undefined;
  let inner = node.compiled_code ?? '';
  if (where) inner = `select * from (${inner}\n) dbt_internal_test where ${where}`;
  const sql = `select count(*) as failures from (\n${inner}\n${limit !== undefined ? `limit ${limit}` : ''}) dbt_internal_test`;
  const r = await ctx.adapter.query<{ failures: string | number }>(sql);
  ctx.onExecuted?.(node, [sql]);
  const failures = Number(r.rows[0]?.failures ?? 0);
  const severity = String(c['severity'] ?? 'error').toLowerCase();
  const errorIf = typeof c['error_if'] === 'string' ? c['error_if'] : '!= 0';
  const warnIf = typeof c['warn_if'] === 'string' ? c['warn_if'] : '!= 0';
  const data = { failures };
  if (severity !== 'warn' && threshold(failures, errorIf)) {
    return { status: 'fail', message: `${failures} failing row${failures === 1 ? '' : 's'}`, data };
  }
  if (threshold(failures, warnIf)) {
    return { status: 'warn', message: `${failures} failing row${failures === 1 ? '' : 's'}`, data };
  }
  return { status: 'pass', message: 'pass', data };
}

/** dbt's `warn_if`/`error_if` conditions: '!= 0', '>10', '>= 5', '= 0', '<3'. */
export function threshold(failures: number, cond: string): boolean {
  const m = /^\s*(!=|>=|<=|=|==|>|<)\s*(\d+(?:\.\d+)?)\s*$/.exec(cond);
  if (!m) return failures !== 0;
  const n = Number(m[2]);
  switch (m[1]) {
    case '!=':
      return failures !== n;
    case '>=':
      return failures >= n;
    case '<=':
      return failures <= n;
    case '>':
      return failures > n;
    case '<':
      return failures < n;
    default:
      return failures === n;
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
