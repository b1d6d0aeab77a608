import { afterAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata } from '../../helpers/strata-cli.js';

const FILES: Record<string, string> = {
  'seeds/raw_sales.csv': 'sale_id,customer_id,sold_at,amount\n1,1,2024-01-05 10:00:00,10.5\n2,2,2024-01-20 11:00:00,20\n3,1,2024-02-03 09:00:00,5\n4,3,2024-03-15 12:00:00,40\n',
  'seeds/raw_customers.csv': 'customer_id,region\n1,EMEA\n2,AMER\n3,EMEA\n',
  'models/fact_sales.sql': "{{ config(materialized='table') }}\nselect sale_id, customer_id, sold_at, amount from {{ ref('raw_sales') }}",
  'models/dim_customer.sql': "{{ config(materialized='table') }}\nselect customer_id, region from {{ ref('raw_customers') }}",
  'semantic/sales.yml': `semantic_models:
  - name: sales
    model: ref('fact_sales')
    joins:
      - { to: customer, relationship: many_to_one, on: "{sales}.customer_id = {customer}.customer_id" }
    dimensions:
      - { name: sold_at, type: time }
    measures:
      - { name: revenue, agg: sum, expr: amount }
  - name: customer
    model: ref('dim_customer')
    dimensions:
      - { name: region }
metrics:
  - { name: revenue, type: simple, measure: sales.revenue }
hierarchies:
  - { name: calendar, levels: [sales.sold_at.year, sales.sold_at.month] }
`,
};

for (const db of testDatabases()) {
  describe(`strata query on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('answers metrics by dimensions as the hand-written SQL does, in every format', async () => {
      const { dir, schema } = await projectFor(db, FILES);
      schemas.push(schema);
      expect((await strata(['build', '--project-dir', dir])).code).toBe(0);
      const manifest = JSON.parse(await readFile(join(dir, 'target', 'semantic_manifest.json'), 'utf8')) as {
        metrics: { name: string; depends_on: { nodes: string[] } }[];
      };
      expect(manifest.metrics[0]!.depends_on.nodes).toEqual(['model.t.fact_sales']);

      const r = await strata(['query', '--project-dir', dir, '--metrics', 'revenue', '--dimensions', 'customer.region', '--format', 'json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const body = JSON.parse(r.stdout) as { columns: unknown; rows: unknown[]; meta: { cache: string } };
      const hand = await queryDb<{ region: string; revenue: string }>(
        db,
        dir,
        `select c.region, sum(s.amount)::text as revenue from "${schema}".fact_sales s join "${schema}".dim_customer c using (customer_id) group by 1 order by 1`,
      );
      expect(body.rows).toEqual(hand.map((h) => ({ 'customer.region': h.region, revenue: Number(h.revenue) })));
      expect(body.columns).toEqual([
        { name: 'customer.region', type: 'string' },
        { name: 'revenue', type: 'number' },
      ]);
      expect(body.meta.cache).toBe('miss');

      const csv = await strata(['query', '--project-dir', dir, '--metrics', 'revenue', '--dimensions', 'sales.sold_at.month', '--format', 'csv', '--filter', 'customer.region equals EMEA']);
      expect(csv.stdout.trim().split('\n')).toEqual(['sales.sold_at.month,revenue', '2024-01-01,10.5', '2024-02-01,5', '2024-03-01,40']);

      const table = await strata(['query', '--project-dir', dir, '--drill', 'calendar:sales.sold_at.year=2024', '--metrics', 'revenue', '--order', '-revenue', '--limit', '2']);
      expect(table.stdout).toContain('sales.sold_at.month | revenue');
      expect(table.stdout).toMatch(/2024-03-01\s+\|\s+40\n2024-01-01\s+\|\s+30.5\n/);
      expect(table.stdout).toContain('(2 rows)');
    });

    it('--explain prints SQL and parameters without running', async () => {
      const { dir } = await projectFor(db, FILES);
      const r = await strata(['query', '--project-dir', dir, '--metrics', 'revenue', '--filter', 'customer.region in EMEA,APAC', '--explain']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('"customer".region in ($1, $2)');
      expect(r.stdout).toContain('-- params: ["EMEA","APAC"]');
    });
  });
}

describe('strata query errors', () => {
  it('a semantic-layer error fails compile with its YAML line (exit 2)', async () => {
    const { writeTempProject } = await import('../../helpers/temp-project.js');
    const dir = await writeTempProject({
      'strata_project.yml': 'name: t\n',
      ...FILES,
      'semantic/sales.yml': FILES['semantic/sales.yml']!.replace("ref('dim_customer')", "ref('dim_customers')"),
    });
    const r = await strata(['compile', '--project-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("semantic/sales.yml:11:12: error[ref-not-found]: semantic model 'customer' refers to 'dim_customers', which does not exist");
    expect(r.stderr).toContain("did you mean 'dim_customer'?");
  });

  it('an unknown metric is a usage error with a hint (exit 2)', async () => {
    const { writeTempProject } = await import('../../helpers/temp-project.js');
    const dir = await writeTempProject({ 'strata_project.yml': 'name: t\n', ...FILES });
    const r = await strata(['query', '--project-dir', dir, '--metrics', 'revenu', '--explain']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown metric 'revenu'");
    expect(r.stderr).toContain("did you mean 'revenue'?");
  });
});
