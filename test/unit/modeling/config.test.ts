import { describe, expect, it } from 'vitest';
import {
  defaultSurrogateKey,
  modelingConfigProblems,
  readDateDimensionConfig,
  readDimensionConfig,
  readSnapshotConfig,
} from '../../../src/modeling/config.js';
import { dateDimensionSql } from '../../../src/modeling/date-dimension.js';

describe('modeling config', () => {
  it('reads a dimension config with defaults', () => {
    const r = readDimensionConfig('dim_customer', { natural_key: 'customer_id', scd_type: 2 });
    expect(r).toEqual({
      ok: true,
      value: { naturalKey: ['customer_id'], scdType: 2, trackedColumns: undefined, surrogateKey: 'customer_key', updatedAt: undefined, hardDeletes: 'ignore' },
    });
    expect(defaultSurrogateKey('product')).toBe('product_key');
  });

  it('names every bad dimension key', () => {
    const keys = modelingConfigProblems('dimension', 'd', { scd_type: 4, hard_deletes: 'new_record' }).map((p) => p.key);
    expect(keys).toEqual(['natural_key', 'scd_type', 'hard_deletes']);
    expect(modelingConfigProblems('dimension', 'd', { natural_key: 'id', scd_type: 1, tracked_columns: ['x'] }).map((p) => p.key)).toEqual(['tracked_columns']);
  });

  it('checks snapshot strategies as dbt does', () => {
    expect(readSnapshotConfig({ strategy: 'timestamp', unique_key: 'id' })).toMatchObject({ ok: false, problems: [{ key: 'updated_at' }] });
    expect(readSnapshotConfig({ strategy: 'check', unique_key: 'id' })).toMatchObject({ ok: false, problems: [{ key: 'check_cols' }] });
    expect(readSnapshotConfig({ strategy: 'check', unique_key: ['a', 'b'], check_cols: 'all', invalidate_hard_deletes: true })).toMatchObject({
      ok: true,
      value: { uniqueKey: ['a', 'b'], checkCols: 'all', hardDeletes: 'invalidate' },
    });
    expect(readSnapshotConfig({ strategy: 'check', unique_key: 'id', check_cols: 'all', hard_deletes: 'delete' })).toMatchObject({ ok: false, problems: [{ key: 'hard_deletes' }] });
  });

  it('checks Citus keys', () => {
    expect(modelingConfigProblems('table', 't', { distributed_by: 'id', reference: true }).map((p) => p.key)).toEqual(['reference']);
  });

  it('date dimension: fiscal year named after the year it ends in; holidays grouped per day', () => {
    const r = readDateDimensionConfig({ start_date: '2024-01-01', end_date: '2023-01-01', fiscal_year_start_month: 13 });
    expect(r).toMatchObject({ ok: false, problems: [{ key: 'end_date' }, { key: 'fiscal_year_start_month' }] });
    const sql = dateDimensionSql({ startDate: '2024-01-01', endDate: '2024-12-31', holidays: [{ date: '2024-12-25', name: "Xmas 'day'" }], fiscalYearStartMonth: 7 });
    expect(sql).toContain("when extract(month from days.\"date\")::integer >= 7 then 1 else 0 end");
    expect(sql).toContain("('2024-12-25', 'Xmas ''day''')");
  });
});
