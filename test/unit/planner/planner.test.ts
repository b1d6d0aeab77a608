import { describe, expect, it } from 'vitest';
import { isStrataTemporaryName } from '../../../src/executor/execute-plan.js';
import { planNode } from '../../../src/planner/plan-node.js';
import { PlanError } from '../../../src/planner/plan-error.js';
import { replaceableColumns } from '../../../src/planner/plan-view.js';
import { boundedName, modelSql, runTag, tempRef } from '../../../src/planner/sql.js';
import type { RelationState } from '../../../src/planner/types.js';
import { modelNode } from './node-fixture.js';

const opts = { fullRefresh: false, runId: 'r1' };
const none: RelationState = { existing: undefined, columns: [] };
const table: RelationState = { existing: { schema: 'analytics', name: 'o', kind: 'table' }, columns: [{ name: 'id', dataType: 'integer' }] };

function planError(fn: () => unknown): PlanError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PlanError) return e;
    throw e;
  }
  throw new Error('expected a PlanError');
}

describe('planner', () => {
  it('names temporaries after the run and lists them', () => {
    const plan = planNode(modelNode('o', 'select 1 as id'), none, opts);
    expect(plan.temporaries).toEqual([{ schema: 'analytics', name: `o__strata_tmp_${runTag('r1')}` }]);
    expect(runTag('r1')).toMatch(/^[0-9a-f]{8}$/);
    expect(runTag('2024-01-01T00:00:00Z-a')).not.toBe(runTag('2024-01-01T00:00:00Z-b'));
  });

  it('keeps long names within 63 bytes and distinct', () => {
    const a = tempRef({ schema: 's', name: 'x'.repeat(60) + 'a' }, 'r1').name;
    const b = tempRef({ schema: 's', name: 'x'.repeat(60) + 'b' }, 'r1').name;
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(isStrataTemporaryName(a)).toBe(true);
    expect(boundedName('short', '_x')).toBe('short_x');
  });

  it('strips trailing semicolons from model SQL', () => {
    expect(modelSql('select 1;  \n;\n')).toBe('select 1');
  });

  it('recognises only planner-made temporary names', () => {
    expect(isStrataTemporaryName('orders__strata_tmp_0123abcd')).toBe(true);
    expect(isStrataTemporaryName('orders__strata_backup_0123abcd')).toBe(true);
    expect(isStrataTemporaryName('orders__strata_tmp_0123abcd_p202401')).toBe(true);
    expect(isStrataTemporaryName('orders__strata_tmp_0123abcd_stage')).toBe(true);
    expect(isStrataTemporaryName('my__strata_tmp_table')).toBe(false);
    expect(isStrataTemporaryName('orders__strata_tmp_0123abcd_notes')).toBe(false);
    expect(isStrataTemporaryName(`o__strata_tmp_${runTag('r1')}`, 'r2')).toBe(false);
  });

  it('on_schema_change fail names the added, removed and retyped columns', () => {
    const node = modelNode('o', 'select 1', { materialized: 'incremental', on_schema_change: 'fail' });
    expect(planNode(node, table, opts).needsNewColumns).toBe(true);
    const err = planError(() =>
      planNode(node, { ...table, columns: [...table.columns, { name: 'gone', dataType: 'text' }], newColumns: [{ name: 'id', dataType: 'bigint' }, { name: 'note', dataType: 'text' }] }, opts),
    );
    expect(err.code).toBe('schema-change');
    expect(err.message).toContain("added 'note'");
    expect(err.message).toContain("removed 'gone'");
    expect(err.message).toContain("'id' (integer -> bigint)");
  });

  it('rejects invalid physical-design config with the key name', () => {
    expect(planError(() => planNode(modelNode('o', 'select 1', { indexes: [{ columns: [] }] }), none, opts)).message).toMatch(/'indexes'/);
    expect(planError(() => planNode(modelNode('o', 'select 1', { indexes: [{ columns: ['a'], type: 'zzz' }] }), none, opts)).code).toBe('config-invalid');
    expect(planError(() => planNode(modelNode('o', 'select 1', { partition_by: { field: 'd', granularity: 'week' } }), none, opts)).message).toMatch(/granularity/);
    expect(planError(() => planNode(modelNode('o', 'select 1', { grants: { drop: ['x'] } }), none, opts)).message).toMatch(/grants/);
    expect(planError(() => planNode(modelNode('o', 'select 1', { materialized: 'incremental', incremental_strategy: 'delete+insert' }), table, opts)).message).toMatch(/unique_key/);
    expect(planError(() => planNode(modelNode('o', 'select 1', { materialized: 'snapshot' }), none, opts)).code).toBe('unsupported');
  });

  it('full_refresh: false in config wins over --full-refresh', () => {
    const node = modelNode('o', 'select 1 as id', { materialized: 'incremental', full_refresh: false });
    const plan = planNode(node, table, { ...opts, fullRefresh: true });
    expect(plan.phases.flatMap((p) => p.steps.map((s) => s.name))).toEqual(['insert']);
  });

  it('incremental over a view rebuilds as a table', () => {
    const plan = planNode(modelNode('o', 'select 1', { materialized: 'incremental' }), { existing: { schema: 'analytics', name: 'o', kind: 'view' }, columns: [] }, opts);
    expect(plan.phases.flatMap((p) => p.steps.map((s) => s.name))).toContain('rename old');
  });

  it('create or replace view only when the old columns are a prefix of the new', () => {
    const a = { name: 'a', dataType: 'integer' };
    const b = { name: 'b', dataType: 'text' };
    expect(replaceableColumns([a], [a, b])).toBe(true);
    expect(replaceableColumns([a, b], [a])).toBe(false);
    expect(replaceableColumns([a], [{ ...a, dataType: 'bigint' }])).toBe(false);
    expect(replaceableColumns([a, b], [b, a])).toBe(false);
  });
});
