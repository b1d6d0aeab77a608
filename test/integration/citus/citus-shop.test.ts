/**
 * The star schema of test/fixtures/citus-shop built five times — twice unchanged, once after
 * the sources changed, once with --full-refresh, once more — checked row by row. On a Citus
 * cluster (STRATA_TEST_CITUS_URL, a coordinator with workers) it also checks what Citus manages:
 * the fact and the `distributed_by` models are hash-distributed on their column, the dimensions
 * and `reference: true` models are reference tables, and the coordinator keeps no local copy of
 * their rows. The Citus suite is skipped when STRATA_TEST_CITUS_URL is unset (the one suite
 * allowed to skip in CI); the same scenario runs on PGlite and PostgreSQL (testDatabases) to show
 * the plans run unchanged without Citus.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases, type TestDatabase } from '../../helpers/databases.js';
import { dropSchema, projectFor, REPO, strata } from '../../helpers/strata-cli.js';
import { buildWith, rows } from '../modeling/helpers.js';

const FIXTURE = join(REPO, 'test', 'fixtures', 'citus-shop');
const CITUS_URL = process.env['STRATA_TEST_CITUS_URL'];

/** The fixture's files, with the profile name projectFor writes. */
function fixtureFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      if (statSync(abs).isDirectory()) walk(abs);
      else out[relative(FIXTURE, abs).split('\\').join('/')] = readFileSync(abs, 'utf8');
    }
  };
  walk(FIXTURE);
  out['strata_project.yml'] = out['strata_project.yml']!.replace(/^profile: .*$/m, 'profile: t');
  return out;
}

// The third build's sources: customer 1 and 3 change segment / region (newer updated_at), 4
// changes an untracked column only, 6 is deleted, 7 is new; a price and a category change, a
// product is added; three April orders arrive.
const CUSTOMERS_V2 = `customer_id,first_name,segment,region,updated_at
1,Ada,corporate,EU,2024-04-01 00:00:00
2,Bob,consumer,US,2024-01-01 00:00:00
3,Cy,corporate,APAC,2024-04-01 00:00:00
4,Dina,corporate,EU,2024-04-01 00:00:00
5,Ed,consumer,APAC,2024-01-01 00:00:00
7,Gus,consumer,EU,2024-04-01 00:00:00
`;
const PRODUCTS_V2 = `product_id,product_name,category,price
10,Pen,office,1.75
11,Desk,furniture,250.00
12,Lamp,lighting,40.00
13,Chair,furniture,120.00
`;
const NEW_ORDERS = `108,1,13,2024-04-02 10:00:00,1,120.00
109,7,10,2024-04-03 10:00:00,2,3.50
110,3,11,2024-04-05 10:00:00,1,250.00
`;

type Rows = (string | null)[][];

/** Everything the scenario asserts, read in one go. */
async function state(db: TestDatabase, dir: string, s: string): Promise<Record<string, Rows>> {
  const q = (sql: string): Promise<Rows> => rows(db, dir, sql);
  return {
    dim_customer: await q(`select customer_key, customer_id, first_name, segment, region, valid_from::text, valid_to::text, is_current from "${s}".dim_customer order by customer_key`),
    dim_customer_history: await q(
      `select history_key, customer_id, segment, case when valid_from::date = current_date then 'today' else valid_from::date::text end,
         case when valid_to::date = current_date then 'today' else valid_to::date::text end, is_current from "${s}".dim_customer_history order by history_key`,
    ),
    dim_customer_region: await q(`select region_key, customer_id, region, previous_region from "${s}".dim_customer_region order by region_key`),
    dim_product: await q(`select product_key, product_id, product_name, category, price::text from "${s}".dim_product order by product_key`),
    fact_sales: await q(`select sale_id, customer_id, customer_key, product_key, date_key from "${s}".fact_sales order by sale_id`),
    orders_by_customer: await q(`select order_id, customer_id, amount::text from "${s}".orders_by_customer order by order_id`),
    product_prices: await q(`select product_id, price::text from "${s}".product_prices order by product_id`),
    customer_totals: await q(`select customer_id, orders, revenue::text from "${s}".customer_totals order by customer_id`),
    sales_wide: await q(`select sale_id, segment, product_name, day_name from "${s}".sales_wide order by sale_id`),
    snapshot: await q(`select customer_id, segment, dbt_valid_from::text, dbt_valid_to is null from "${s}".customers_snapshot order by customer_id, dbt_valid_from`),
    leftovers: await q(`select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = '${s}' and c.relname like '%strata%' order by 1`),
  };
}

const CUSTOMERS_RUN1: Rows = [
  ['-1', null, 'Unknown', 'Unknown', 'Unknown', '1900-01-01 00:00:00', null, 'true'],
  ['1', '1', 'Ada', 'consumer', 'EU', '1900-01-01 00:00:00', null, 'true'],
  ['2', '2', 'Bob', 'consumer', 'US', '1900-01-01 00:00:00', null, 'true'],
  ['3', '3', 'Cy', 'corporate', 'US', '1900-01-01 00:00:00', null, 'true'],
  ['4', '4', 'Di', 'corporate', 'EU', '1900-01-01 00:00:00', null, 'true'],
  ['5', '5', 'Ed', 'consumer', 'APAC', '1900-01-01 00:00:00', null, 'true'],
  ['6', '6', 'Flo', 'home_office', 'US', '1900-01-01 00:00:00', null, 'true'],
];
// Versions of 1 and 3 are closed at their change time and new ones open then; 4's untracked
// first_name is overwritten in place; 6 stays current (this dimension ignores deletes); 7 is new.
const CUSTOMERS_RUN3: Rows = [
  ['-1', null, 'Unknown', 'Unknown', 'Unknown', '1900-01-01 00:00:00', null, 'true'],
  ['1', '1', 'Ada', 'consumer', 'EU', '1900-01-01 00:00:00', '2024-04-01 00:00:00', 'false'],
  ['2', '2', 'Bob', 'consumer', 'US', '1900-01-01 00:00:00', null, 'true'],
  ['3', '3', 'Cy', 'corporate', 'US', '1900-01-01 00:00:00', '2024-04-01 00:00:00', 'false'],
  ['4', '4', 'Dina', 'corporate', 'EU', '1900-01-01 00:00:00', null, 'true'],
  ['5', '5', 'Ed', 'consumer', 'APAC', '1900-01-01 00:00:00', null, 'true'],
  ['6', '6', 'Flo', 'home_office', 'US', '1900-01-01 00:00:00', null, 'true'],
  ['7', '1', 'Ada', 'corporate', 'EU', '2024-04-01 00:00:00', null, 'true'],
  ['8', '3', 'Cy', 'corporate', 'APAC', '2024-04-01 00:00:00', null, 'true'],
  ['9', '7', 'Gus', 'consumer', 'EU', '1900-01-01 00:00:00', null, 'true'],
];
// Without updated_at, versions change at the run's time; the deleted 6 is closed.
const HISTORY_RUN3: Rows = [
  ['-1', null, 'Unknown', '1900-01-01', null, 'true'],
  ['1', '1', 'consumer', '1900-01-01', 'today', 'false'],
  ['2', '2', 'consumer', '1900-01-01', null, 'true'],
  ['3', '3', 'corporate', '1900-01-01', null, 'true'],
  ['4', '4', 'corporate', '1900-01-01', null, 'true'],
  ['5', '5', 'consumer', '1900-01-01', null, 'true'],
  ['6', '6', 'home_office', '1900-01-01', 'today', 'false'],
  ['7', '1', 'corporate', 'today', null, 'true'],
  ['8', '7', 'consumer', '1900-01-01', null, 'true'],
];
const REGION_RUN3: Rows = [
  ['-1', null, 'Unknown', null],
  ['1', '1', 'EU', null],
  ['2', '2', 'US', null],
  ['3', '3', 'APAC', 'US'],
  ['4', '4', 'EU', null],
  ['5', '5', 'APAC', null],
  ['6', '6', 'US', null],
  ['7', '7', 'EU', null],
];
const PRODUCTS_RUN3: Rows = [
  ['-1', null, 'Unknown', 'Unknown', null],
  ['1', '10', 'Pen', 'office', '1.75'],
  ['2', '11', 'Desk', 'furniture', '250.00'],
  ['3', '12', 'Lamp', 'lighting', '40.00'],
  ['4', '13', 'Chair', 'furniture', '120.00'],
];
// April's orders find the versions valid then (customer 1 → key 7, 3 → key 8, new 7 → key 9).
const FACT_RUN3: Rows = [
  ['100', '1', '1', '1', '20240105'],
  ['101', '2', '2', '2', '20240120'],
  ['102', '3', '3', '3', '20240202'],
  ['103', '1', '1', '2', '20240214'],
  ['104', '4', '4', '1', '20240228'],
  ['105', '5', '5', '3', '20240303'],
  ['106', '6', '6', '1', '20240310'],
  ['107', '2', '2', '3', '20240315'],
  ['108', '1', '7', '4', '20240402'],
  ['109', '7', '9', '1', '20240403'],
  ['110', '3', '8', '2', '20240405'],
];
const TOTALS_RUN3: Rows = [
  ['1', '3', '374.50'],
  ['2', '2', '290.00'],
  ['3', '2', '330.00'],
  ['4', '1', '15.00'],
  ['5', '1', '40.00'],
  ['6', '1', '6.00'],
  ['7', '1', '3.50'],
];
const SNAPSHOT_RUN3: Rows = [
  ['1', 'consumer', '2024-01-01 00:00:00', 'false'],
  ['1', 'corporate', '2024-04-01 00:00:00', 'true'],
  ['2', 'consumer', '2024-01-01 00:00:00', 'true'],
  ['3', 'corporate', '2024-01-01 00:00:00', 'false'],
  ['3', 'corporate', '2024-04-01 00:00:00', 'true'],
  ['4', 'corporate', '2024-01-01 00:00:00', 'false'],
  ['4', 'corporate', '2024-04-01 00:00:00', 'true'],
  ['5', 'consumer', '2024-01-01 00:00:00', 'true'],
  ['6', 'home_office', '2024-01-01 00:00:00', 'false'],
  ['7', 'consumer', '2024-04-01 00:00:00', 'true'],
];

/**
 * Builds the fixture five times and checks the rows after each; `extra` runs after every build
 * (the Citus checks).
 */
async function scenario(db: TestDatabase, schemas: string[], extra: (dir: string, schema: string) => Promise<void>): Promise<void> {
  const { dir, schema } = await projectFor(db, fixtureFiles());
  schemas.push(schema);

  await buildWith(dir, {});
  await extra(dir, schema);
  const run1 = await state(db, dir, schema);
  expect(run1['dim_customer']).toEqual(CUSTOMERS_RUN1);
  expect(run1['fact_sales']).toHaveLength(8);
  expect(run1['orders_by_customer']).toHaveLength(8);
  expect(run1['leftovers']).toEqual([]);

  // The second build, nothing changed: it succeeds and changes nothing.
  await buildWith(dir, {});
  await extra(dir, schema);
  expect(await state(db, dir, schema)).toEqual(run1);

  // The third build, after the sources changed.
  const orders = readFileSync(join(FIXTURE, 'seeds', 'raw_orders.csv'), 'utf8') + NEW_ORDERS;
  await buildWith(dir, { 'seeds/raw_customers.csv': CUSTOMERS_V2, 'seeds/raw_products.csv': PRODUCTS_V2, 'seeds/raw_orders.csv': orders });
  await extra(dir, schema);
  const run3 = await state(db, dir, schema);
  expect(run3['dim_customer']).toEqual(CUSTOMERS_RUN3);
  expect(run3['dim_customer_history']).toEqual(HISTORY_RUN3);
  expect(run3['dim_customer_region']).toEqual(REGION_RUN3);
  expect(run3['dim_product']).toEqual(PRODUCTS_RUN3);
  expect(run3['fact_sales']).toEqual(FACT_RUN3);
  expect(run3['orders_by_customer']).toEqual(FACT_RUN3.map((r) => [r[0], r[1], orders.split('\n').find((l) => l.startsWith(`${r[0]},`))!.split(',')[5]!]));
  expect(run3['product_prices']).toEqual([['10', '1.75'], ['11', '250.00'], ['12', '40.00'], ['13', '120.00']]);
  expect(run3['customer_totals']).toEqual(TOTALS_RUN3);
  expect(run3['sales_wide']).toHaveLength(11);
  expect(run3['sales_wide']!.find((r) => r[0] === '108')).toEqual(['108', 'corporate', 'Chair', 'Tuesday']);
  expect(run3['snapshot']).toEqual(SNAPSHOT_RUN3);
  expect(run3['leftovers']).toEqual([]);

  // --full-refresh rebuilds and swaps every table (dimensions keep keys and history), then a
  // normal build again.
  await buildWith(dir, {}, ['--full-refresh']);
  await extra(dir, schema);
  expect(await state(db, dir, schema)).toEqual(run3);
  await buildWith(dir, {});
  await extra(dir, schema);
  expect(await state(db, dir, schema)).toEqual(run3);
}

for (const db of testDatabases()) {
  describe(`citus-shop fixture on ${db.name} (no Citus: the Citus settings change nothing)`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('builds five times with the right rows', async () => {
      await scenario(db, schemas, async () => undefined);
    }, 180_000);
  });
}

describe.skipIf(!CITUS_URL)('citus-shop fixture on Citus (STRATA_TEST_CITUS_URL)', () => {
  const db: TestDatabase = { name: 'postgres', url: CITUS_URL };
  const schemas: string[] = [];
  afterAll(async () => {
    for (const s of schemas) await dropSchema(db, s);
  });

  /** What Citus manages in the schema: table → [method, distribution column, shard count]. */
  const managed = async (dir: string, schema: string): Promise<Record<string, Rows[number]>> => {
    const r = await rows(
      db,
      dir,
      `select c.relname, p.partmethod::text as method, column_to_column_name(p.logicalrelid, p.partkey) as dist_column, (select count(*) from pg_dist_shard s where s.logicalrelid = p.logicalrelid) as shards
       from pg_dist_partition p join pg_class c on c.oid = p.logicalrelid join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = '${schema}' and c.relname not like 'fact_sales\\_p%' and c.relname <> 'fact_sales_default'`,
    );
    return Object.fromEntries(r.map((x) => [x[0]!, x.slice(1)]));
  };

  it('builds five times: the fact and distributed_by models stay distributed, the dimensions reference tables', async () => {
    const shards = (await rows(db, '', `select current_setting('citus.shard_count')`))[0]![0]!;
    await scenario(db, schemas, async (dir, schema) => {
      const hash = ['h', 'customer_id', shards];
      const reference = ['n', null, '1'];
      expect(await managed(dir, schema)).toEqual({
        fact_sales: hash,
        orders_by_customer: hash,
        customer_totals: hash,
        dim_customer: reference,
        dim_customer_history: reference,
        dim_customer_region: reference,
        dim_product: reference,
        dim_date: reference,
        product_prices: reference,
      });
      // Every partition of the fact is distributed with it, co-located.
      const parts = await rows(
        db,
        dir,
        `select count(*) filter (where p.logicalrelid is null) as local, count(distinct p.colocationid) as colocations from pg_inherits i left join pg_dist_partition p on p.logicalrelid = i.inhrelid
         where i.inhparent = '"${schema}".fact_sales'::regclass`,
      );
      expect(parts).toEqual([['0', '1']]);
      // The coordinator keeps no local copy of rows Citus moved into shards.
      const local = await rows(
        db,
        dir,
        `select c.relname from pg_dist_partition p join pg_class c on c.oid = p.logicalrelid join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = '${schema}' and c.relkind = 'r' and pg_relation_size(c.oid) > 0`,
      );
      expect(local).toEqual([]);
    });
  }, 300_000);

  it('refuses, with the reason, a merge whose unique_key lacks the distribution column; the table is untouched', async () => {
    const model = (amount: string): string =>
      "{{ config(materialized='incremental', unique_key='order_id', distributed_by='customer_id') }}\n" + `select 1 as order_id, 7 as customer_id, ${amount}::numeric as amount`;
    const { dir, schema } = await projectFor(db, { 'models/orders.sql': model('1') });
    schemas.push(schema);
    await buildWith(dir, {});
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'models', 'orders.sql'), model('2'));
    const r = await strata(['build', '--project-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('is distributed by customer_id, which is not one of the key columns (order_id)');
    expect(await rows(db, dir, `select order_id, customer_id, amount::text from "${schema}".orders`)).toEqual([['1', '7', '1']]);
    expect(await rows(db, dir, `select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = '${schema}' and relname like '%strata%'`)).toEqual([]);
  });
});
