/**
 * `strata run` keeps rollups in step with what it rebuilt (issue: after `run --full-refresh -s
 * slv_orders+` a server answered from a rollup built before): the run records the models it
 * rebuilt, rebuilds the rollups built from them, and leaves the others alone.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { projectFor, queryDb, strata } from '../../helpers/strata-cli.js';

const FILES = (amount: number): Record<string, string> => ({
  'models/raw_sales.sql': `select g as sale_id, 1 + g % 3 as customer_id, ${amount} * g as amount from generate_series(1, 30) g`,
  'models/dim_customer.sql': "select g as customer_id, (array['EMEA','AMER','APAC'])[g] as region from generate_series(1, 3) g",
  'models/fact_sales.sql': "select * from {{ ref('raw_sales') }}",
  'models/unrelated.sql': 'select 1 as x',
  'semantic/sales.yml': `semantic_models:
  - name: sales
    model: ref('fact_sales')
    primary_key: sale_id
    joins:
      - { to: customer, relationship: many_to_one, on: "{sales}.customer_id = {customer}.customer_id" }
    measures:
      - { name: revenue, agg: sum, expr: amount }
    rollups:
      - { name: by_region, measures: [revenue], dimensions: [customer.region] }
  - name: customer
    model: ref('dim_customer')
    primary_key: customer_id
    dimensions:
      - { name: region }
metrics:
  - { name: revenue, type: simple, measure: sales.revenue }
`,
});

for (const db of testDatabases()) {
  describe(`rollups after strata run on ${db.name}`, () => {
    it('run rebuilds the rollups over what it rebuilt, and only those', async () => {
      const { dir, schema } = await projectFor(db, FILES(1));
      const state = async (): Promise<{ latest: string; rollupBuild: string; rollupSum: number; factSum: number; node: string | undefined }> => {
        const [b] = await queryDb<{ build_id: string }>(db, dir, `select build_id from strata_meta.builds where target_schema = $1 order by finished_at desc limit 1`, [schema]);
        const [r] = await queryDb<{ build_id: string }>(db, dir, `select build_id from strata_meta.rollups where target_schema = $1 and name = 'by_region'`, [schema]);
        const [rs] = await queryDb<{ s: string }>(db, dir, `select sum(m0)::text as s from "${schema}"."rollup_by_region"`);
        const [fs] = await queryDb<{ s: string }>(db, dir, `select sum(amount)::text as s from "${schema}"."fact_sales"`);
        const [n] = await queryDb<{ build_id: string }>(db, dir, `select build_id from strata_meta.node_builds where target_schema = $1 and node = 'model.t.fact_sales'`, [schema]);
        return { latest: b!.build_id, rollupBuild: r!.build_id, rollupSum: Number(rs!.s), factSum: Number(fs!.s), node: n?.build_id };
      };
      const build = await strata(['build', '--project-dir', dir]);
      expect(build.code, build.stdout + build.stderr).toBe(0);
      const first = await state();
      expect(first.rollupBuild).toBe(first.latest);
      expect(first.rollupSum).toBe(first.factSum);

      // A run that rebuilds nothing the rollup reads leaves it as it is.
      expect((await strata(['run', '-s', 'unrelated', '--project-dir', dir])).code).toBe(0);
      const second = await state();
      expect(second.latest).not.toBe(first.latest);
      expect(second.rollupBuild).toBe(first.rollupBuild);
      expect(second.node).toBe(first.latest);

      // New source data and `run -s raw_sales+`: the fact table is rebuilt, so is its rollup.
      for (const [rel, text] of Object.entries(FILES(10))) await writeFile(join(dir, ...rel.split('/')), text);
      const run = await strata(['run', '--full-refresh', '-s', 'raw_sales+', '--project-dir', dir]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain('Rollup by_region');
      const third = await state();
      expect(third.node).toBe(third.latest);
      expect(third.rollupBuild).toBe(third.latest);
      expect(third.factSum).toBe(first.factSum * 10);
      expect(third.rollupSum).toBe(third.factSum);
    }, 120_000);
  });
}
