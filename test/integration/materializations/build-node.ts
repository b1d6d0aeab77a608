/** Plans and executes one node the way the runner does: introspect, plan, re-plan for columns. */
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import type { ManifestNode } from '../../../src/compiler/types.js';
import { executeNodePlan } from '../../../src/executor/execute-plan.js';
import { planNode } from '../../../src/planner/plan-node.js';
import type { RelationState } from '../../../src/planner/types.js';

let runs = 0;

export async function buildNode(db: WarehouseAdapter, node: ManifestNode, opts: { fullRefresh?: boolean; runId?: string } = {}) {
  const ref = { schema: node.schema, name: node.alias };
  const existing = await db.getRelation(ref);
  const columns = existing ? await db.getColumns(ref) : [];
  const planOpts = { fullRefresh: opts.fullRefresh ?? false, runId: opts.runId ?? `run-${process.pid}-${++runs}` };
  let state: RelationState = { existing, columns };
  let plan = planNode(node, state, planOpts);
  if (plan.needsNewColumns) {
    const probe = `strata_probe_${runs}`;
    const newColumns = await db.transaction(async (s) => {
      await s.query(`create temporary view "${probe}" as select * from (${node.compiled_code ?? ''}) q limit 0`);
      const r = await s.query<{ name: string; data_type: string }>(
        `select a.attname as name, format_type(a.atttypid, a.atttypmod) as data_type from pg_attribute a
         where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`,
        [`pg_temp."${probe}"`],
      );
      await s.query(`drop view pg_temp."${probe}"`);
      return r.rows.map((row) => ({ name: row.name, dataType: row.data_type }));
    });
    state = { ...state, newColumns };
    plan = planNode(node, state, planOpts);
  }
  return { plan, ...(await executeNodePlan(db, plan)) };
}
