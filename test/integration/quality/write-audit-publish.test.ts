import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata } from '../../helpers/strata-cli.js';
import { runResults } from './helpers.js';

const TABLE_PROJECT: Record<string, string> = {
  'models/orders.sql': "{{ config(materialized='table') }}\nselect g as id, g * 10 as amount from generate_series(1, {{ var('n', 3) }}) g\nunion all select {{ var('dup', 'null') }}, 0 where {{ var('dup', 'null') }} is not null",
  'models/orders_summary.sql': "{{ config(materialized='table') }}\nselect count(*) as n from {{ ref('orders') }}",
  'models/schema.yml': [
    'version: 2',
    'models:',
    '  - name: orders',
    '    columns:',
    '      - name: id',
    '        tests:',
    '          - unique:',
    '              config: {store_failures: true}',
    '          - not_null',
    '',
  ].join('\n'),
};

for (const db of testDatabases()) {
  describe(`write-audit-publish on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) {
        await dropSchema(db, s);
        await dropSchema(db, `${s}_dbt_test__audit`);
      }
    });

    it('a table whose tests fail is held back: the published table is untouched, descendants skip, exit 1', async () => {
      const { dir, schema } = await projectFor(db, TABLE_PROJECT);
      schemas.push(schema);
      const first = await strata(['build', '--project-dir', dir]);
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('audited by 2 tests');
      // Second build produces a duplicate id: unique fails on the staged data.
      const r = await strata(['build', '--project-dir', dir, '--vars', '{n: 5, dup: 2}']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/held back by write-audit-publish: 1 of 2 audit tests failed \(unique_orders_id: 1 failing row\)/);
      const rows = await queryDb<{ id: number }>(db, dir, `select id from "${schema}".orders order by id`);
      expect(rows.map((x) => x.id)).toEqual([1, 2, 3]);
      const res = await runResults(dir);
      expect(res['model.t.orders']).toMatchObject({ status: 'error' });
      expect(res['test.t.unique_orders_id']).toMatchObject({ status: 'fail', failures: 1 });
      expect(res['test.t.not_null_orders_id']).toMatchObject({ status: 'pass' });
      expect(res['model.t.orders_summary']).toMatchObject({ status: 'skipped' });
      // store_failures kept the staged data's failing rows.
      const stored = await queryDb<{ unique_field: number; n_records: string }>(db, dir, `select unique_field, n_records::text as n_records from "${schema}_dbt_test__audit".unique_orders_id`);
      expect(stored).toEqual([{ unique_field: 2, n_records: '2' }]);
      const leftovers = await queryDb(db, dir, `select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and relname like '%strata%'`, [schema]);
      expect(leftovers).toEqual([]);
      // Good data again: published, summary rebuilt.
      const ok = await strata(['build', '--project-dir', dir, '--vars', '{n: 4}']);
      expect(ok.code).toBe(0);
      expect(await queryDb<{ n: string }>(db, dir, `select n::text as n from "${schema}".orders_summary`)).toEqual([{ n: '4' }]);
    });

    it('an incremental model is audited on what consumers would see (old + new rows) and rolled back on failure', async () => {
      const { dir, schema } = await projectFor(db, {
        'models/events.sql':
          "{{ config(materialized='incremental', unique_key='id') }}\n" +
          "select g as id, {{ var('k', 'g') }} as k from generate_series(1, {{ var('n', 3) }}) g\n" +
          '{% if is_incremental() %}where g > (select max(id) from {{ this }}){% endif %}',
        'models/schema.yml': 'version: 2\nmodels:\n  - name: events\n    columns:\n      - name: k\n        tests: [unique]\n',
      });
      schemas.push(schema);
      expect((await strata(['build', '--project-dir', dir])).code).toBe(0);
      // The new rows alone are unique (k = 1 for id 4 only), but together with the published
      // rows k = 1 appears twice: only auditing the merged state catches it.
      const r = await strata(['build', '--project-dir', dir, '--vars', '{n: 4, k: 1}']);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('held back by write-audit-publish');
      expect(await queryDb<{ id: number }>(db, dir, `select id from "${schema}".events order by id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
      const ok = await strata(['build', '--project-dir', dir, '--vars', '{n: 5}']);
      expect(ok.code).toBe(0);
      expect(await queryDb<{ id: number }>(db, dir, `select id from "${schema}".events order by id`)).toHaveLength(5);
    });

    it('audit: none and dbt projects publish first and test after (dbt behaviour); the failing test still skips children', async () => {
      const { dir, schema } = await projectFor(db, {
        ...TABLE_PROJECT,
        'models/orders.sql': "{{ config(materialized='table', audit='none') }}\n" + TABLE_PROJECT['models/orders.sql']!.split('\n').slice(1).join('\n'),
      });
      schemas.push(schema);
      expect((await strata(['build', '--project-dir', dir])).code).toBe(0);
      const r = await strata(['build', '--project-dir', dir, '--vars', '{n: 5, dup: 2}']);
      expect(r.code).toBe(1);
      expect(await queryDb(db, dir, `select id from "${schema}".orders`)).toHaveLength(6);
      const res = await runResults(dir);
      expect(res['model.t.orders']).toMatchObject({ status: 'success' });
      expect(res['test.t.unique_orders_id']).toMatchObject({ status: 'fail' });
      // Children wait for the model's tests (dbt build ordering).
      expect(res['model.t.orders_summary']).toMatchObject({ status: 'skipped' });
    });

    it('a dbt_project.yml project does not audit by default', async () => {
      const { dir, schema } = await projectFor(db, { ...TABLE_PROJECT, 'strata_project.yml': '' });
      schemas.push(schema);
      await writeFile(join(dir, 'dbt_project.yml'), 'name: t\nprofile: t\n');
      const { unlink } = await import('node:fs/promises');
      await unlink(join(dir, 'strata_project.yml'));
      expect((await strata(['build', '--project-dir', dir])).code).toBe(0);
      const r = await strata(['build', '--project-dir', dir, '--vars', '{n: 5, dup: 2}']);
      expect(r.code).toBe(1);
      expect(r.stdout).not.toContain('held back');
      expect(await queryDb(db, dir, `select id from "${schema}".orders`)).toHaveLength(6);
    });
  });
}
