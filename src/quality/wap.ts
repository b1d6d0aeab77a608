/**
 * Write-audit-publish execution of a model's plan: phases before the publish phase run as usual
 * (a rebuild writes the staged relation), then the model's tests run against the data consumers
 * would see, and the publish phase commits only when no error-severity test failed.
 *
 * - rebuild (`table`, first/full-refresh `incremental`): tests read the staged relation
 *   (`plan.staged`) before the swap transaction starts, so no lock is held while testing.
 * - incremental update: there is no staged copy (copying the table would defeat incremental), so
 *   the tests run INSIDE the publish transaction after the merge/insert, where the table already
 *   shows old rows + new rows, exactly what consumers will see after commit. A failure rolls the
 *   transaction back; readers never see the new rows (MVCC: they read the old version meanwhile).
 * - tests that do not name the model's relation_name run inside the publish transaction too.
 */
import type { Session, WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import type { Manifest, ManifestNode } from '../compiler/types.js';
import { executeNodePlan } from '../executor/execute-plan.js';
import { qualified } from '../planner/sql.js';
import type { NodePlan, PlanStep } from '../planner/types.js';
import { auditFailingRowsSql, blocks, redirectTest, runAuditTest, type AuditedTest } from './audit.js';
import { auditRelation, storeFailures, wantsStoredFailures } from './store-failures.js';

export interface AuditedExecution {
  readonly published: boolean;
  readonly rowsAffected: number | null;
  readonly executed: readonly string[];
  readonly tests: readonly AuditedTest[];
}

class HeldBack extends Error {
  constructor(readonly failingRows: ReadonlyMap<string, string>) {
    super('held back');
  }
}

/**
 * Executes `plan` with write-audit-publish for `model`, auditing with `tests`.
 *
 * @example
 * const r = await executeWithAudit(db, plan, model, tests, manifest);
 * // r.published === false when a test failed; the published relation is untouched
 */
export async function executeWithAudit(
  adapter: WarehouseAdapter,
  plan: NodePlan,
  model: ManifestNode,
  tests: readonly ManifestNode[],
  manifest: Manifest,
): Promise<AuditedExecution> {
  const at = plan.phases.findIndex((p) => p.publish);
  if (at < 0 || tests.length === 0) {
    const r = await executeNodePlan(adapter, plan);
    return { published: true, rowsAffected: r.rowsAffected, executed: r.executed.map((s) => s.sql), tests: [] };
  }
  const executed: string[] = [];
  let rows: number | null = null;
  const before = await executeNodePlan(adapter, { ...plan, phases: plan.phases.slice(0, at) });
  executed.push(...before.executed.map((s) => s.sql));
  rows = before.rowsAffected;

  const results: AuditedTest[] = [];
  const inPublish: ManifestNode[] = [];
  // 1. Tests against the staged relation, before publishing.
  for (const t of tests) {
    const sql = plan.staged ? redirectTest(t, model, plan.staged.name) : undefined;
    if (sql === undefined || !plan.staged) {
      inPublish.push(t);
      continue;
    }
    const r = await runAuditTest(adapter, t, sql, plan.staged, manifest);
    results.push(r);
    executed.push(...r.sql);
    if (wantsStoredFailures(t)) executed.push(...(await adapter.transaction((s) => storeFailures(s, t, auditFailingRowsSql(t, sql)))));
  }
  if (results.some(blocks)) {
    await dropTemporaries(adapter, plan);
    return { published: false, rowsAffected: rows, executed, tests: results };
  }

  // 2. The publish phase, with the remaining tests inside it before commit.
  const publish = plan.phases[at]!;
  const self = { schema: model.schema, name: model.alias };
  try {
    await adapter.transaction(async (s) => {
      rows = await runSteps(s, publish.steps, rows, executed);
      const failing = new Map<string, string>();
      for (const t of inPublish) {
        const sql = t.compiled_code ?? '';
        const r = await runAuditTest(s, t, sql, self, manifest);
        results.push(r);
        executed.push(...r.sql);
        if (!wantsStoredFailures(t)) continue;
        if (blocks(r)) failing.set(t.unique_id, await failingRowsJson(s, auditFailingRowsSql(t, sql)));
        else executed.push(...(await storeFailures(s, t, auditFailingRowsSql(t, sql))));
      }
      if (results.some(blocks)) throw new HeldBack(failing);
    });
  } catch (e) {
    await dropTemporaries(adapter, plan);
    if (!(e instanceof HeldBack)) throw e;
    // The failing rows only existed inside the rolled-back transaction: store the copy we took.
    for (const t of inPublish) {
      const json = e.failingRows.get(t.unique_id);
      if (json !== undefined) executed.push(...(await storeJsonFailures(adapter, t, json)));
    }
    return { published: false, rowsAffected: rows, executed, tests: results };
  }
  const after = await executeNodePlan(adapter, { ...plan, temporaries: [], phases: plan.phases.slice(at + 1) });
  executed.push(...after.executed.map((s) => s.sql));
  return { published: true, rowsAffected: rows, executed, tests: results };
}

async function runSteps(s: Session, steps: readonly PlanStep[], rows: number | null, executed: string[]): Promise<number | null> {
  let n = rows;
  for (const step of steps) {
    const r = await s.query(step.sql, step.params);
    executed.push(step.sql);
    if (step.countsRows) n = (n ?? 0) + r.rowCount;
  }
  return n;
}

async function failingRowsJson(s: Pick<Session, 'query'>, sql: string): Promise<string> {
  const r = await s.query<{ rows: string }>(`select coalesce(json_agg(f), '[]')::text as rows from (\n${sql}\n) f`);
  return r.rows[0]?.rows ?? '[]';
}

/** Recreates the audit table with the failing rows' shape and loads them from JSON. */
async function storeJsonFailures(adapter: WarehouseAdapter, t: ManifestNode, json: string): Promise<string[]> {
  return adapter.transaction(async (s) => {
    const sql = await storeFailures(s, t, `select * from (\n${auditFailingRowsSql(t, t.compiled_code ?? '')}\n) f limit 0`);
    const rel = qualified(auditRelation(t));
    const insert = `insert into ${rel} select * from json_populate_recordset(null::${rel}, $1::json)`;
    await s.query(insert, [json]);
    return [...sql, insert];
  });
}

async function dropTemporaries(adapter: WarehouseAdapter, plan: NodePlan): Promise<void> {
  for (const ref of plan.temporaries) {
    try {
      const rel = await adapter.getRelation(ref);
      if (rel) await adapter.query(`drop ${rel.kind === 'view' ? 'view' : 'table'}  if exists ${qualified(ref)}`);
    } catch {
      // Best effort: the next run's cleanup drops leftovers.
    }
  }
}
