import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { cleanupTemporaries } from '../../../src/executor/execute-plan.js';
import { testDatabases } from '../../helpers/databases.js';
import { modelNode } from '../../unit/planner/node-fixture.js';
import { dropSchema, freshSchema, openTestAdapter } from '../adapters/test-adapter.js';
import { buildNode } from './build-node.js';

for (const database of testDatabases()) {
  describe(`materializations on ${database.name}`, () => {
    let db: WarehouseAdapter;
    let schema: string;
    const node = (name: string, sql: string, config: Record<string, unknown> = {}) => modelNode(name, sql, { materialized: 'table', ...config }, schema);
    const rows = async (sql: string) => (await db.query(sql)).rows;
    const names = async () => (await db.listRelations(schema)).map((r) => r.name);

    beforeAll(async () => {
      db = await openTestAdapter(database);
      schema = await freshSchema(db, 'mat');
    });
    afterAll(async () => {
      await dropSchema(db, schema);
      await db.close();
    });

    it('table: a failing rebuild keeps the previous table queryable and leaves no temporaries', async () => {
      const ok = await buildNode(db, node('orders', 'select x as id from generate_series(1, 3) x'));
      expect(ok.rowsAffected).toBe(3);
      const divZero = node('orders', 'select 10 / (x - 2) as id from generate_series(1, 3) x');
      await expect(buildNode(db, divZero)).rejects.toThrow(/division by zero/);
      await expect(buildNode(db, node('orders', 'select from where'))).rejects.toThrow(/syntax error/);
      expect(await rows(`select id from "${schema}".orders order by id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
      expect((await names()).filter((n) => n.includes('strata'))).toEqual([]);
    });

    it('table: dependent views (and views on them) survive a rebuild and see the new rows', async () => {
      await buildNode(db, node('customers', "select 1 as id, 'a'::text as name"));
      await db.query(`create view "${schema}".customer_names as select name from "${schema}".customers`);
      await db.query(`create view "${schema}".customer_names_upper as select upper(name) as n from "${schema}".customer_names`);
      await db.query(`comment on view "${schema}".customer_names is 'kept comment'`);
      await db.query(`grant select on "${schema}".customer_names to public`);
      await buildNode(db, node('customers', "select x as id, 'n' || x as name, true as extra from generate_series(1, 2) x"));
      expect(await rows(`select n from "${schema}".customer_names_upper order by n`)).toEqual([{ n: 'N1' }, { n: 'N2' }]);
      expect(await rows(`select obj_description('"${schema}".customer_names'::regclass, 'pg_class') as c`)).toEqual([{ c: 'kept comment' }]);
      expect(await rows(`select relacl::text like '%=r/%' as granted from pg_class where oid = '"${schema}".customer_names'::regclass`)).toEqual([{ granted: true }]);
    });

    it('table: a rebuild that would break a dependent view fails and keeps table and view', async () => {
      await expect(buildNode(db, node('customers', 'select 1 as id'))).rejects.toThrow(/customer_names/);
      expect(await rows(`select name from "${schema}".customer_names order by name`)).toEqual([{ name: 'n1' }, { name: 'n2' }]);
    });

    it('view: created, replaced in place when compatible, swapped when columns change', async () => {
      await buildNode(db, node('v1', 'select 1 as a', { materialized: 'view' }));
      await db.query(`create view "${schema}".on_v1 as select a from "${schema}".v1`);
      const replaced = await buildNode(db, node('v1', "select 2 as a, 'x'::text as b", { materialized: 'view' }));
      expect(replaced.executed.map((s) => s.name)).toContain('replace view');
      const swapped = await buildNode(db, node('v1', "select 'three'::text as a", { materialized: 'view' }));
      expect(swapped.executed.map((s) => s.name)).toContain('rename new');
      expect(await rows(`select a from "${schema}".on_v1`)).toEqual([{ a: 'three' }]);
    });

    it('view replaced by a table and back, keeping a dependent view', async () => {
      await buildNode(db, node('flip', 'select 1 as a', { materialized: 'view' }));
      await db.query(`create view "${schema}".on_flip as select a from "${schema}".flip`);
      await buildNode(db, node('flip', 'select 2 as a'));
      expect((await db.getRelation({ schema, name: 'flip' }))?.kind).toBe('table');
      await buildNode(db, node('flip', 'select 3 as a', { materialized: 'view' }));
      expect((await db.getRelation({ schema, name: 'flip' }))?.kind).toBe('view');
      expect(await rows(`select a from "${schema}".on_flip`)).toEqual([{ a: 3 }]);
    });

    it('materialized_view: built and rebuilt via swap', async () => {
      await buildNode(db, node('mv', 'select 1 as a', { materialized: 'materialized_view', indexes: [{ columns: ['a'] }] }));
      await buildNode(db, node('mv', 'select 2 as a', { materialized: 'materialized_view', indexes: [{ columns: ['a'] }] }));
      expect((await db.getRelation({ schema, name: 'mv' }))?.kind).toBe('materialized_view');
      expect(await rows(`select a from "${schema}".mv`)).toEqual([{ a: 2 }]);
    });

    it('incremental merge: NULL keys never duplicate rows (single and composite keys)', async () => {
      const cfg = { materialized: 'incremental', incremental_strategy: 'merge', unique_key: ['k1', 'k2'] };
      const v1 = `select * from (values (1, 'a', 'v1'), (null::int, 'b', 'v1'), (2, null::text, 'v1'), (null::int, null::text, 'v1')) t(k1, k2, val)`;
      await buildNode(db, node('merged', v1, cfg));
      const v2 = `select * from (values (1, 'a', 'v2'), (null::int, 'b', 'v2'), (2, null::text, 'v2'), (null::int, null::text, 'v2'), (3, 'c', 'v2')) t(k1, k2, val)`;
      const r = await buildNode(db, node('merged', v2, cfg));
      expect(r.rowsAffected).toBe(5);
      await buildNode(db, node('merged', v2, cfg));
      expect(await rows(`select k1, k2, val from "${schema}".merged order by k1 nulls last, k2 nulls last`)).toEqual([
        { k1: 1, k2: 'a', val: 'v2' },
        { k1: 2, k2: null, val: 'v2' },
        { k1: 3, k2: 'c', val: 'v2' },
        { k1: null, k2: 'b', val: 'v2' },
        { k1: null, k2: null, val: 'v2' },
      ]);
    });

    it('incremental merge refuses new rows with duplicate keys and leaves the table unchanged', async () => {
      const cfg = { materialized: 'incremental', incremental_strategy: 'merge', unique_key: 'k' };
      await buildNode(db, node('dups', 'select 1 as k, 1 as v', cfg));
      await expect(buildNode(db, node('dups', 'select null::int as k, 2 as v union all select null, 3', cfg))).rejects.toThrow(/unique_key/);
      expect(await rows(`select k, v from "${schema}".dups`)).toEqual([{ k: 1, v: 1 }]);
    });

    it('incremental delete+insert and append', async () => {
      const di = { materialized: 'incremental', incremental_strategy: 'delete+insert', unique_key: 'k' };
      await buildNode(db, node('di', "select * from (values (1, 'a'), (null::int, 'n')) t(k, v)", di));
      await buildNode(db, node('di', "select * from (values (null::int, 'n2'), (2, 'b')) t(k, v)", di));
      expect(await rows(`select k, v from "${schema}".di order by k nulls last`)).toEqual([
        { k: 1, v: 'a' },
        { k: 2, v: 'b' },
        { k: null, v: 'n2' },
      ]);
      const ap = { materialized: 'incremental' };
      await buildNode(db, node('ap', 'select 1 as k', ap));
      const r = await buildNode(db, node('ap', 'select 1 as k', ap));
      expect(r.rowsAffected).toBe(1);
      expect(await rows(`select count(*)::int as n from "${schema}".ap`)).toEqual([{ n: 2 }]);
      await buildNode(db, node('ap', 'select 5 as k', ap), { fullRefresh: true });
      expect(await rows(`select k from "${schema}".ap`)).toEqual([{ k: 5 }]);
    });

    it('on_schema_change: fail names the columns; append_new_columns; sync_all_columns; ignore', async () => {
      const base = { materialized: 'incremental', unique_key: 'id', incremental_strategy: 'merge' };
      await buildNode(db, node('osc', 'select 1 as id, 1 as a', { ...base, on_schema_change: 'fail' }));
      await expect(buildNode(db, node('osc', "select 2 as id, 'x'::text as note", { ...base, on_schema_change: 'fail' }))).rejects.toThrow(
        /added 'note'; removed 'a'/,
      );
      await buildNode(db, node('osc', "select 2 as id, 'x'::text as note", { ...base, on_schema_change: 'append_new_columns' }));
      expect(await rows(`select id, a, note from "${schema}".osc order by id`)).toEqual([
        { id: 1, a: 1, note: null },
        { id: 2, a: null, note: 'x' },
      ]);
      await buildNode(db, node('osc', "select 3 as id, 1.5::numeric as a", { ...base, on_schema_change: 'sync_all_columns' }));
      expect(await db.getColumns({ schema, name: 'osc' })).toEqual([
        { name: 'id', dataType: 'integer' },
        { name: 'a', dataType: 'numeric' },
      ]);
      await buildNode(db, node('osc', 'select 4 as id, 2 as a, 9 as ignored', { ...base, on_schema_change: 'ignore' }));
      expect((await db.getColumns({ schema, name: 'osc' })).map((c) => c.name)).toEqual(['id', 'a']);
      expect(await rows(`select count(*)::int as n from "${schema}".osc`)).toEqual([{ n: 4 }]);
    });

    it('partition_by: rows land in the right monthly partitions, default exists, rebuild renames partitions', async () => {
      const cfg = { partition_by: { field: 'ordered_at', data_type: 'date', granularity: 'month' }, indexes: [{ columns: ['id'], unique: false }] };
      const sql = "select x as id, date '2024-01-15' + (x * 20) as ordered_at from generate_series(0, 3) x";
      await buildNode(db, node('parted', sql, cfg));
      const r2 = await buildNode(db, node('parted', sql, cfg));
      expect(r2.rowsAffected).toBe(4);
      expect((await db.getRelation({ schema, name: 'parted' }))?.kind).toBe('partitioned_table');
      expect(await rows(`select id, tableoid::regclass::text as part from "${schema}".parted order by id`)).toEqual([
        { id: 0, part: `${schema}.parted_p202401` },
        { id: 1, part: `${schema}.parted_p202402` },
        { id: 2, part: `${schema}.parted_p202402` },
        { id: 3, part: `${schema}.parted_p202403` },
      ]);
      expect((await names()).filter((n) => n.startsWith('parted'))).toEqual(['parted', 'parted_default', 'parted_p202401', 'parted_p202402', 'parted_p202403']);
      await db.query(`insert into "${schema}".parted values (99, date '2030-01-01')`);
      expect(await rows(`select tableoid::regclass::text as part from "${schema}".parted where id = 99`)).toEqual([{ part: `${schema}.parted_default` }]);
    });

    it('indexes exist with stable names; grants and hooks run', async () => {
      const cfg = {
        indexes: [{ columns: ['id'], unique: true }, { columns: ['name', 'id'], type: 'btree' }],
        grants: { select: ['public'] },
        pre_hook: [`create table if not exists "${schema}".hook_log (msg text)`],
        post_hook: [`insert into "${schema}".hook_log values ('built')`],
      };
      await buildNode(db, node('indexed', "select 1 as id, 'a'::text as name", cfg));
      await buildNode(db, node('indexed', "select 1 as id, 'a'::text as name", cfg));
      const ix = (await rows(`select indexname, indexdef from pg_indexes where schemaname = '${schema}' and tablename = 'indexed' order by indexdef`)) as {
        indexname: string;
        indexdef: string;
      }[];
      expect(ix).toHaveLength(2);
      expect(ix.every((i) => i.indexname.startsWith('indexed__idx_'))).toBe(true);
      expect(ix.map((i) => i.indexdef).join('\n')).toMatch(/UNIQUE INDEX .* \(id\)/);
      expect(await rows(`select relacl::text like '%=r/%' as granted from pg_class where oid = '"${schema}".indexed'::regclass`)).toEqual([{ granted: true }]);
      expect(await rows(`select msg from "${schema}".hook_log`)).toEqual([{ msg: 'built' }, { msg: 'built' }]);
    });

    it('ephemeral plans nothing', async () => {
      const r = await buildNode(db, node('eph', 'select 1', { materialized: 'ephemeral' }));
      expect(r.plan.phases).toEqual([]);
      expect(await db.getRelation({ schema, name: 'eph' })).toBeUndefined();
    });

    it('cleanupTemporaries drops leftovers of interrupted runs but never user relations', async () => {
      await db.query(`create table "${schema}"."orders__strata_tmp_0123abcd" (a int)`);
      await db.query(`create view "${schema}"."orders__strata_tmp_89abcdef" as select 1 as a`);
      await db.query(`create table "${schema}"."my__strata_tmp_table" (a int)`);
      await db.query(`create table "${schema}"."strata_tmp_notes" (a int)`);
      const r = await cleanupTemporaries(db, schema);
      expect(r.dropped.sort()).toEqual(['orders__strata_tmp_0123abcd', 'orders__strata_tmp_89abcdef']);
      const left = await names();
      expect(left).toContain('my__strata_tmp_table');
      expect(left).toContain('strata_tmp_notes');
      expect(left).toContain('orders');
    });
  });
}
