/**
 * Golden SQL for every materialization / strategy / config. Regenerate with
 * `UPDATE_GOLDEN=1 npx vitest run test/golden/planner` and review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ColumnDef, ExistingRelation } from '../../../src/adapters/warehouse-adapter.js';
import { planNode } from '../../../src/planner/plan-node.js';
import { renderPlan } from '../../../src/planner/render-plan.js';
import type { RelationState } from '../../../src/planner/types.js';
import { modelNode } from '../../unit/planner/node-fixture.js';

const here = dirname(fileURLToPath(import.meta.url));
const opts = { fullRefresh: false, runId: 'golden-run' };
const sql = 'select id, customer_id, ordered_at, amount from "raw"."orders";';
const cols: ColumnDef[] = [
  { name: 'id', dataType: 'integer' },
  { name: 'customer_id', dataType: 'integer' },
  { name: 'ordered_at', dataType: 'date' },
  { name: 'amount', dataType: 'numeric(10,2)' },
];
const rel = (kind: ExistingRelation['kind']): ExistingRelation => ({ schema: 'analytics', name: 'orders', kind });
const none: RelationState = { existing: undefined, columns: [] };
const table: RelationState = { existing: rel('table'), columns: cols };

const cases: Record<string, () => string> = {
  'table-new': () => renderPlan(planNode(modelNode('orders', sql), none, opts)),
  'table-rebuild': () => renderPlan(planNode(modelNode('orders', sql), table, opts)),
  'table-replaces-view': () => renderPlan(planNode(modelNode('orders', sql), { existing: rel('view'), columns: cols }, opts)),
  'table-physical-design': () =>
    renderPlan(
      planNode(
        modelNode('orders', sql, {
          indexes: [{ columns: ['id'], unique: true }, { columns: ['customer_id', 'ordered_at'], type: 'brin' }],
          grants: { select: ['reporter', 'public'] },
          pre_hook: ['set local work_mem = \'64MB\''],
          post_hook: ['analyze "analytics"."orders"', { sql: 'vacuum "analytics"."orders"', transaction: false }],
        }),
        table,
        opts,
      ),
    ),
  'table-partitioned': () =>
    renderPlan(planNode(modelNode('orders', sql, { partition_by: { field: 'ordered_at', data_type: 'date', granularity: 'month' } }), table, opts)),
  'view-new': () => renderPlan(planNode(modelNode('orders', sql, { materialized: 'view' }), none, opts)),
  'view-needs-columns': () => renderPlan(planNode(modelNode('orders', sql, { materialized: 'view' }), { existing: rel('view'), columns: cols }, opts)),
  'view-replace': () =>
    renderPlan(planNode(modelNode('orders', sql, { materialized: 'view' }), { existing: rel('view'), columns: cols, newColumns: [...cols, { name: 'x', dataType: 'text' }] }, opts)),
  'view-swap': () =>
    renderPlan(planNode(modelNode('orders', sql, { materialized: 'view' }), { existing: rel('view'), columns: cols, newColumns: cols.slice(1) }, opts)),
  'view-replaces-table': () => renderPlan(planNode(modelNode('orders', sql, { materialized: 'view', grants: { select: ['reporter'] } }), table, opts)),
  'materialized-view': () => renderPlan(planNode(modelNode('orders', sql, { materialized: 'materialized_view', indexes: [{ columns: ['id'] }] }), { existing: rel('materialized_view'), columns: cols }, opts)),
  'incremental-first-run': () => renderPlan(planNode(modelNode('orders', sql, { materialized: 'incremental', unique_key: 'id' }), none, opts)),
  'incremental-full-refresh': () =>
    renderPlan(planNode(modelNode('orders', sql, { materialized: 'incremental', unique_key: 'id' }), table, { ...opts, fullRefresh: true })),
  'incremental-append': () => renderPlan(planNode(modelNode('orders', sql, { materialized: 'incremental' }), table, opts)),
  'incremental-merge-composite': () =>
    renderPlan(planNode(modelNode('orders', sql, { materialized: 'incremental', incremental_strategy: 'merge', unique_key: ['id', 'customer_id'] }), table, opts)),
  'incremental-merge-update-columns': () =>
    renderPlan(
      planNode(modelNode('orders', sql, { materialized: 'incremental', incremental_strategy: 'merge', unique_key: 'id', merge_update_columns: ['amount'] }), table, opts),
    ),
  'incremental-delete-insert': () =>
    renderPlan(planNode(modelNode('orders', sql, { materialized: 'incremental', incremental_strategy: 'delete+insert', unique_key: 'id' }), table, opts)),
  'incremental-append-new-columns': () =>
    renderPlan(
      planNode(
        modelNode('orders', sql, { materialized: 'incremental', incremental_strategy: 'merge', unique_key: 'id', on_schema_change: 'append_new_columns' }),
        { ...table, newColumns: [...cols, { name: 'status', dataType: 'text' }] },
        opts,
      ),
    ),
  'incremental-sync-all-columns': () =>
    renderPlan(
      planNode(
        modelNode('orders', sql, { materialized: 'incremental', unique_key: 'id', on_schema_change: 'sync_all_columns' }),
        { ...table, newColumns: [cols[0]!, { name: 'amount', dataType: 'numeric' }, { name: 'status', dataType: 'text' }] },
        opts,
      ),
    ),
  ephemeral: () => renderPlan(planNode(modelNode('orders', sql, { materialized: 'ephemeral' }), none, opts)),
};

describe('planner golden SQL', () => {
  for (const [name, render] of Object.entries(cases)) {
    it(name, () => {
      const file = join(here, `${name}.sql`);
      const actual = render();
      if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(file)) {
        if (process.env['CI'] === 'true') throw new Error(`golden file ${name}.sql missing`);
        writeFileSync(file, actual);
      }
      expect(actual).toBe(readFileSync(file, 'utf8'));
    });
  }
});
