/**
 * `fact` materialization: point-in-time surrogate keys (a sale placed before a customer's segment
 * change reports the old segment), unknown members (-1), incremental by event_time, DAG
 * dependency on the dimensions, located error for an unknown dimension.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, strata } from '../../helpers/strata-cli.js';
import { buildWith, rows } from './helpers.js';

const CUSTOMERS1 = 'customer_id,segment,updated_at\n1,SMB,2024-01-01 00:00:00\n2,Consumer,2024-01-01 00:00:00\n';
const CUSTOMERS2 = 'customer_id,segment,updated_at\n1,Enterprise,2024-03-01 00:00:00\n2,Consumer,2024-01-01 00:00:00\n';
const SALES1 = 'sale_id,customer_id,sold_at,amount\n1,1,2024-02-10 12:00:00,10\n2,2,2024-02-11 12:00:00,20\n3,99,2024-02-12 12:00:00,30\n';
const SALES2 = SALES1 + '4,1,2024-04-01 09:00:00,40\n';

const FILES: Record<string, string> = {
  'seeds/raw_customers.csv': CUSTOMERS1,
  'seeds/raw_sales.csv': SALES1,
  'models/dim_customer.sql':
    "{{ config(materialized='dimension', scd_type=2, natural_key='customer_id', tracked_columns=['segment'], updated_at='updated_at') }}\n" +
    "select customer_id, segment, updated_at from {{ ref('raw_customers') }}",
  'models/fact_sales.sql':
    "{{ config(materialized='fact', event_time='sold_at', dimensions=[{'ref': 'dim_customer', 'natural_key': 'customer_id', 'at': 'sold_at'}]) }}\n" +
    "select sale_id, customer_id, sold_at, amount from {{ ref('raw_sales') }}",
  'models/sales_by_segment.sql':
    "select f.sale_id, c.segment from {{ ref('fact_sales') }} f join {{ ref('dim_customer') }} c on c.customer_key = f.customer_key",
};

for (const db of testDatabases()) {
  describe(`fact on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('looks surrogate keys up point-in-time; unknown customers get -1; loads new rows incrementally', async () => {
      const { dir, schema } = await projectFor(db, FILES);
      schemas.push(schema);
      await buildWith(dir, {});
      await buildWith(dir, { 'seeds/raw_customers.csv': CUSTOMERS2, 'seeds/raw_sales.csv': SALES2 });
      expect(await rows(db, dir, `select sale_id, customer_id, customer_key from "${schema}".fact_sales order by sale_id`)).toEqual([
        ['1', '1', '1'],
        ['2', '2', '2'],
        ['3', '99', '-1'],
        ['4', '1', '3'],
      ]);
      // The sale placed before the segment change reports the old segment.
      expect(await rows(db, dir, `select sale_id, segment from "${schema}".sales_by_segment order by sale_id`)).toEqual([
        ['1', 'SMB'],
        ['2', 'Consumer'],
        ['3', 'Unknown'],
        ['4', 'Enterprise'],
      ]);
      const manifest = JSON.parse(await (await import('node:fs/promises')).readFile(`${dir}/target/manifest.json`, 'utf8')) as {
        nodes: Record<string, { depends_on: { nodes: string[] } }>;
      };
      expect(manifest.nodes['model.t.fact_sales']!.depends_on.nodes).toContain('model.t.dim_customer');
      // Incremental by event_time: rows already loaded keep their keys even after a full refresh of the dimension.
      await buildWith(dir, {}, ['--full-refresh']);
      expect(await rows(db, dir, `select sale_id, customer_key from "${schema}".fact_sales order by sale_id`)).toEqual([
        ['1', '1'], ['2', '2'], ['3', '-1'], ['4', '3'],
      ]);
    });

    it('an unknown dimension ref is a located compile error with a suggestion', async () => {
      const { dir, schema } = await projectFor(db, FILES);
      schemas.push(schema);
      await writeFile(`${dir}/models/fact_sales.sql`, FILES['models/fact_sales.sql']!.replace("'ref': 'dim_customer'", "'ref': 'dim_custmer'"));
      const r = await strata(['compile', '--project-dir', dir]);
      expect(r.code).toBe(2);
      const out = r.stdout + r.stderr;
      expect(out).toContain('models/fact_sales.sql:1');
      expect(out).toContain("refers to 'dim_custmer', which does not exist");
      expect(out).toContain("did you mean 'dim_customer'");
    });
  });
}
