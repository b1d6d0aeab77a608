/**
 * Runs one node's plan against a WarehouseAdapter, and cleans up what interrupted runs left.
 */
import type { ExistingRelation, RelationRef, Session, WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import { BACKUP_MARKER, TEMP_MARKER, qualified, runTag } from '../planner/sql.js';
import type { NodePlan, PlanStep } from '../planner/types.js';

export interface ExecutedPlan {
  /** Sum of the row counts of the steps marked `countsRows`; null when none is. */
  readonly rowsAffected: number | null;
  /** Steps that completed, in order (for `target/run/**.sql` and error context). */
  readonly executed: PlanStep[];
}

/** The step that failed, attached to the rethrown database error. */
export interface PlanStepError extends Error {
  strataStep?: string;
}

function dropSql(rel: ExistingRelation): string {
  const kw = rel.kind === 'view' ? 'view' : rel.kind === 'materialized_view' ? 'materialized view' : rel.kind === 'foreign_table' ? 'foreign table' : 'table';
  return `drop ${kw} if exists ${qualified(rel)}`;
}

/**
 * Runs the phases in order: transactional phases through `adapter.transaction`, the others on
 * one `withSession`. On failure drops the plan's temporaries (best effort) and rethrows the
 * database error with `strataStep` naming the failed step.
 *
 * @example
 * const { rowsAffected } = await executeNodePlan(db, planNode(node, state, opts));
 */
export async function executeNodePlan(adapter: WarehouseAdapter, plan: NodePlan): Promise<{ rowsAffected: number | null; executed: PlanStep[] }> {
  if (plan.needsNewColumns) throw new Error(`${plan.unique_id}: plan needs the query's columns; introspect them and plan again`);
  const executed: PlanStep[] = [];
  let rows: number | null = null;
  const runSteps = async (s: Session, steps: readonly PlanStep[]): Promise<void> => {
    for (const step of steps) {
      let count: number;
      try {
        count = (await s.query(step.sql, step.params)).rowCount;
      } catch (e) {
        if (e instanceof Error) (e as PlanStepError).strataStep = step.name;
        throw e;
      }
      executed.push(step);
      if (step.countsRows) rows = (rows ?? 0) + count;
    }
  };
  try {
    for (const phase of plan.phases) {
      if (phase.transactional) await adapter.transaction((s) => runSteps(s, phase.steps));
      else await adapter.withSession((s) => runSteps(s, phase.steps));
    }
  } catch (e) {
    await dropRelations(adapter, plan.temporaries).catch(() => undefined);
    throw e;
  }
  return { rowsAffected: rows, executed };
}

async function dropRelations(adapter: WarehouseAdapter, refs: readonly RelationRef[]): Promise<string[]> {
  const dropped: string[] = [];
  for (const ref of refs) {
    try {
      const rel = await adapter.getRelation(ref);
      if (!rel) continue;
      await adapter.query(dropSql(rel));
      dropped.push(ref.name);
    } catch {
      // Best effort: the next run's cleanupTemporaries retries.
    }
  }
  return dropped;
}

/**
 * Matches names the planner generates: `<base>__strata_tmp_<8 hex>` or `__strata_backup_`, with
 * an optional planner suffix (`_stage`, partitions `_p202401`, `_default`). A user table that
 * merely contains "strata" never matches.
 */
export function isStrataTemporaryName(name: string, runId?: string): boolean {
  const tag = runId === undefined ? '[0-9a-f]{8}' : runTag(runId);
  const re = new RegExp(`(${TEMP_MARKER}|${BACKUP_MARKER})${tag}(_stage|_p[0-9]{4,8}|_default)?$`);
  return re.test(name);
}

/**
 * PostgreSQL only: terminates statements that are still building a temporary relation in
 * `schema` and waits until they are gone. A run killed with SIGKILL leaves its running statement
 * on the server (Postgres notices the dead client only when it replies), where it would hold
 * locks on the parents, block this run's swaps, and finally commit a `__strata_tmp_` table after
 * our cleanup. Call it while holding the run lock: then no live run builds in `schema`.
 * Best effort: without the privilege to terminate them, the run waits for them as before.
 *
 * @example await stopOrphanedBuilds(db, 'analytics') // [12345] (pids terminated)
 */
export async function stopOrphanedBuilds(adapter: WarehouseAdapter, schema: string, timeoutMs = 10_000): Promise<number[]> {
  if (adapter.type !== 'postgres') return [];
  const quoted = `"${schema.replace(/"/g, '""')}"."`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = `${quoted}[^"]*(${TEMP_MARKER}|${BACKUP_MARKER})[0-9a-f]{8}`;
  const find = `select pid from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle' and query ~ $1`;
  let pids: number[];
  try {
    pids = (await adapter.query<{ pid: number }>(find, [pattern])).rows.map((r) => r.pid);
    if (pids.length === 0) return [];
    await adapter.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [pids]);
  } catch {
    return [];
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const left = await adapter.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where pid = any($1::int[])', [pids]);
    if ((left.rows[0]?.n ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return pids;
}

/**
 * Drops relations left in `schema` by an interrupted run (SIGKILL between the build and the
 * swap): names matching `isStrataTemporaryName`, of this run only when `runId` is given. Drops
 * are RESTRICT: if something a user built depends on a leftover, it is kept and reported in
 * `kept`. Call it while holding the run lock, so no concurrent run's relations are touched.
 *
 * @example await cleanupTemporaries(db, 'analytics') // { dropped: ['orders__strata_tmp_1a2b3c4d'], kept: [] }
 */
export async function cleanupTemporaries(
  adapter: WarehouseAdapter,
  schema: string,
  runId?: string,
): Promise<{ dropped: string[]; kept: { name: string; reason: string }[] }> {
  const all = await adapter.listRelations(schema);
  // Parents before partitions: dropping a partitioned parent drops its partitions with it.
  const leftovers = all
    .filter((r) => isStrataTemporaryName(r.name, runId))
    .sort((a, b) => a.name.length - b.name.length);
  const dropped: string[] = [];
  const kept: { name: string; reason: string }[] = [];
  for (const rel of leftovers) {
    try {
      const still = await adapter.getRelation(rel);
      if (!still) {
        dropped.push(rel.name);
        continue;
      }
      await adapter.query(dropSql(still));
      dropped.push(rel.name);
    } catch (e) {
      kept.push({ name: rel.name, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return { dropped, kept };
}

