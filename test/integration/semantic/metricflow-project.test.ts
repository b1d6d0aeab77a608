import { afterAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata } from '../../helpers/strata-cli.js';

/** A dbt-style project: MetricFlow YAML in models/schema.yml, Strata YAML in semantic/. */
const SCHEMA_YML = `version: 2
models:
  - name: fact_sales
    columns:
      - { name: sale_id, data_tests: [unique] }
  - name: dim_customer
semantic_models:
  - name: sales
    model: ref('fact_sales')
    defaults: { agg_time_dimension: sold_at }
    entities:
      - { name: sale, type: primary, expr: sale_id }
      - { name: customer, type: foreign, expr: customer_id }
    dimensions:
      - { name: sold_at, type: time, type_params: { time_granularity: day } }
    measures:
      - { name: revenue, agg: sum, expr: amount }
  - name: customer
    model: ref('dim_customer')
    entities:
      - { name: customer, type: primary, expr: customer_id }
    dimensions:
      - { name: region, type: categorical }
  - name: accounts
    model: ref('balances')
    defaults: { agg_time_dimension: as_of }
    entities:
      - { name: account, type: primary, expr: account_id }
      - { name: customer, type: foreign, expr: customer_id }
    dimensions:
      - { name: as_of, type: time, type_params: { time_granularity: day } }
    measures:
      - name: balance
        agg: sum
        expr: amount
        non_additive_dimension: { name: as_of, window_choice: max, window_groupings: [account] }
metrics:
  - { name: revenue, label: Revenue, type: simple, type_params: { measure: revenue } }
  - { name: balance, label: Balance, type: simple, type_params: { measure: balance } }
  - name: emea_revenue
    label: EMEA revenue
    type: simple
    type_params: { measure: revenue }
    filter: "{{ Dimension('customer__region') }} = 'EMEA'"
saved_queries:
  - name: revenue_by_region
    query_params:
      metrics: [revenue]
      group_by: ["Dimension('customer__region')"]
`;

const FILES: Record<string, string> = {
  'seeds/raw_sales.csv': 'sale_id,customer_id,sold_at,amount\n1,1,2024-01-05 10:00:00,10.5\n2,2,2024-01-20 11:00:00,20\n3,1,2024-02-03 09:00:00,5\n4,3,2024-03-15 12:00:00,40\n',
  'seeds/raw_customers.csv': 'customer_id,region\n1,EMEA\n2,AMER\n3,EMEA\n',
  'seeds/raw_balances.csv': 'account_id,customer_id,as_of,amount\n1,1,2024-01-31,100\n1,1,2024-02-29,150\n2,2,2024-01-15,70\n2,2,2024-02-10,90\n3,3,2024-01-31,30\n3,3,2024-01-10,25\n',
  'models/fact_sales.sql': "{{ config(materialized='table') }}\nselect sale_id, customer_id, sold_at, amount from {{ ref('raw_sales') }}",
  'models/dim_customer.sql': "{{ config(materialized='table') }}\nselect customer_id, region from {{ ref('raw_customers') }}",
  'models/balances.sql': "{{ config(materialized='table') }}\nselect account_id, customer_id, as_of, amount from {{ ref('raw_balances') }}",
  'models/schema.yml': SCHEMA_YML,
  // Strata's own format in the same project, over a MetricFlow model's measure.
  'semantic/extra.yml': `semantic_models:
  - name: big_sales
    sql: select * from (values (1)) as v(x)
    dimensions:
      - { name: x, type: number }
metrics:
  - { name: revenue_total, type: simple, measure: sales.revenue }
`,
};

for (const db of testDatabases()) {
  describe(`MetricFlow YAML in a project's models/ on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('is collected from models/*.yml next to semantic/*.yml and answers strata query', async () => {
      const { dir, schema } = await projectFor(db, FILES);
      schemas.push(schema);
      const build = await strata(['build', '--project-dir', dir]);
      expect(build.stderr).toBe('');
      expect(build.code).toBe(0);
      const manifest = JSON.parse(await readFile(join(dir, 'target', 'semantic_manifest.json'), 'utf8')) as {
        semantic_models: { name: string; format: string; joins: { to: string }[] }[];
        saved_queries: { name: string; dimensions: string[] }[];
        metrics: { name: string; depends_on: { nodes: string[] } }[];
      };
      expect(manifest.semantic_models.find((m) => m.name === 'sales')).toMatchObject({ format: 'metricflow', joins: [{ to: 'customer' }] });
      expect(manifest.semantic_models.find((m) => m.name === 'big_sales')).toMatchObject({ format: 'strata' });
      expect(manifest.saved_queries).toEqual([expect.objectContaining({ name: 'revenue_by_region', dimensions: ['customer.region'] })]);
      expect(manifest.metrics.find((m) => m.name === 'balance')!.depends_on.nodes).toEqual(['model.t.balances']);

      const r = await strata(['query', '--project-dir', dir, '--metrics', 'revenue,emea_revenue,revenue_total,balance', '--dimensions', 'customer.region', '--format', 'json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const body = JSON.parse(r.stdout) as { rows: Record<string, unknown>[] };
      const hand = await queryDb<{ region: string; revenue: string; emea: string | null; balance: string }>(
        db,
        dir,
        `with s as (select c.region, sum(f.amount) as revenue, sum(f.amount) filter (where c.region = 'EMEA') as emea
                    from "${schema}".fact_sales f left join "${schema}".dim_customer c using (customer_id) group by 1),
              last as (select account_id, max(as_of) as mx from "${schema}".balances group by 1),
              b as (select c.region, sum(b.amount) as balance from "${schema}".balances b join last on last.account_id = b.account_id and last.mx = b.as_of
                    left join "${schema}".dim_customer c using (customer_id) group by 1)
         select s.region, s.revenue::text, s.emea::text, b.balance::text from s full join b using (region) order by 1`,
      );
      expect(body.rows).toEqual(
        hand.map((h) => ({
          'customer.region': h.region,
          revenue: Number(h.revenue),
          emea_revenue: h.emea === null ? null : Number(h.emea),
          revenue_total: Number(h.revenue),
          balance: Number(h.balance),
        })),
      );
    });

    it('a MetricFlow mistake in models/schema.yml fails compile at its line with a hint (exit 2)', async () => {
      const bad = SCHEMA_YML.replace("Dimension('customer__region')", "Dimension('customer__regoin')");
      const { dir, schema } = await projectFor(db, { ...FILES, 'models/schema.yml': bad });
      schemas.push(schema);
      const r = await strata(['compile', '--project-dir', dir]);
      expect(r.code).toBe(2);
      const line = bad.split('\n').findIndex((l) => l.includes('customer__regoin')) + 1;
      expect(r.stderr).toMatch(new RegExp(`models/schema\\.yml:${line}:\\d+: error\\[unknown-member\\]: metric 'emea_revenue': .*no dimension 'regoin' of entity 'customer'`));
      expect(r.stderr).toContain("did you mean 'region'?");
    });
  });
}
