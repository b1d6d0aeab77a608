/**
 * `dimension` materialization: SCD type 2 over three runs (updates, deletes, re-inserts) checked
 * row by row, key stability across --full-refresh, type 1 and type 3, duplicate keys refused.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, strata } from '../../helpers/strata-cli.js';
import { buildWith, rows } from './helpers.js';

const HEADER = 'customer_id,name,segment,region,updated_at\n';
const RUN1 = HEADER + '1,Ada,A,EU,2024-01-01 00:00:00\n2,Bob,B,US,2024-01-01 00:00:00\n3,Cy,A,US,2024-01-01 00:00:00\n';
// 1 changes segment (tracked), 2 changes name only (untracked), 3 is deleted, 4 is new.
const RUN2 = HEADER + '1,Ada,B,EU,2024-03-01 00:00:00\n2,Bobby,B,US,2024-03-01 00:00:00\n4,Di,C,EU,2024-03-01 00:00:00\n';
// 3 comes back, 1 moves region, 4 unchanged.
const RUN3 = HEADER + '1,Ada,B,US,2024-05-01 00:00:00\n2,Bobby,B,US,2024-03-01 00:00:00\n3,Cy,A,US,2024-05-01 00:00:00\n4,Di,C,EU,2024-03-01 00:00:00\n';

const dim = (extra: string): string =>
  `{{ config(materialized='dimension', natural_key='customer_id', surrogate_key='customer_key', ${extra}) }}\n` +
  "select customer_id, name, segment, region, updated_at from {{ ref('raw_customers') }}";

const SCD2 = dim("scd_type=2, tracked_columns=['segment', 'region'], updated_at='updated_at', hard_deletes='invalidate'");
const COLS = `customer_key, customer_id, name, segment, region, valid_from::date::text as vf, valid_to::date::text as vt, is_current`;

for (const db of testDatabases()) {
  describe(`dimension on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('SCD2: three runs with updates, deletes and re-inserts, row by row; keys survive --full-refresh', async () => {
      const { dir, schema } = await projectFor(db, { 'seeds/raw_customers.csv': RUN1, 'models/dim_customer.sql': SCD2 });
      schemas.push(schema);
      const q = `select ${COLS} from "${schema}".dim_customer order by customer_key`;
      await buildWith(dir, {});
      expect(await rows(db, dir, q)).toEqual([
        ['-1', null, 'Unknown', 'Unknown', 'Unknown', '1900-01-01', null, 'true'],
        ['1', '1', 'Ada', 'A', 'EU', '1900-01-01', null, 'true'],
        ['2', '2', 'Bob', 'B', 'US', '1900-01-01', null, 'true'],
        ['3', '3', 'Cy', 'A', 'US', '1900-01-01', null, 'true'],
      ]);

      await buildWith(dir, { 'seeds/raw_customers.csv': RUN2 });
      const today = (await rows(db, dir, 'select localtimestamp::date::text'))[0]![0];
      expect(await rows(db, dir, q)).toEqual([
        ['-1', null, 'Unknown', 'Unknown', 'Unknown', '1900-01-01', null, 'true'],
        ['1', '1', 'Ada', 'A', 'EU', '1900-01-01', '2024-03-01', 'false'],
        ['2', '2', 'Bobby', 'B', 'US', '1900-01-01', null, 'true'],
        ['3', '3', 'Cy', 'A', 'US', '1900-01-01', today, 'false'],
        ['4', '1', 'Ada', 'B', 'EU', '2024-03-01', null, 'true'],
        ['5', '4', 'Di', 'C', 'EU', '1900-01-01', null, 'true'],
      ]);

      await buildWith(dir, { 'seeds/raw_customers.csv': RUN3 });
      const run3 = [
        ['-1', null, 'Unknown', 'Unknown', 'Unknown', '1900-01-01', null, 'true'],
        ['1', '1', 'Ada', 'A', 'EU', '1900-01-01', '2024-03-01', 'false'],
        ['2', '2', 'Bobby', 'B', 'US', '1900-01-01', null, 'true'],
        ['3', '3', 'Cy', 'A', 'US', '1900-01-01', today, 'false'],
        ['4', '1', 'Ada', 'B', 'EU', '2024-03-01', '2024-05-01', 'false'],
        ['5', '4', 'Di', 'C', 'EU', '1900-01-01', null, 'true'],
        ['6', '1', 'Ada', 'B', 'US', '2024-05-01', null, 'true'],
        // Re-inserted after its deletion: valid from the deletion on (never overlapping).
        ['7', '3', 'Cy', 'A', 'US', today, null, 'true'],
      ];
      expect(await rows(db, dir, q)).toEqual(run3);
      // Exactly one current version per key, and versions of a key never overlap.
      expect(await rows(db, dir, `select customer_id, count(*) from "${schema}".dim_customer where is_current and customer_key <> -1 group by 1 having count(*) <> 1`)).toEqual([]);

      // A rerun with no change changes nothing.
      await buildWith(dir, {});
      expect(await rows(db, dir, q)).toEqual(run3);
      // A full refresh rebuilds the table but keeps every key and the history.
      await buildWith(dir, {}, ['--full-refresh']);
      expect(await rows(db, dir, q)).toEqual(run3);
      const idx = await rows(db, dir, `select indexname from pg_indexes where schemaname = '${schema}' and tablename = 'dim_customer' order by 1`);
      expect(idx.flat()).toEqual(['dim_customer__current', 'dim_customer__nk', 'dim_customer__sk', 'dim_customer__updated_at']);
    });

    it('SCD1 overwrites in place and SCD3 keeps previous_<column>; keys stay stable', async () => {
      const { dir, schema } = await projectFor(db, {
        'seeds/raw_customers.csv': RUN1,
        'models/dim_t1.sql': dim('scd_type=1'),
        'models/dim_t3.sql': dim("scd_type=3, tracked_columns=['segment']"),
      });
      schemas.push(schema);
      await buildWith(dir, {});
      await buildWith(dir, { 'seeds/raw_customers.csv': RUN2 });
      expect(await rows(db, dir, `select customer_key, customer_id, name, segment, region from "${schema}".dim_t1 order by customer_key`)).toEqual([
        ['-1', null, 'Unknown', 'Unknown', 'Unknown'],
        ['1', '1', 'Ada', 'B', 'EU'],
        ['2', '2', 'Bobby', 'B', 'US'],
        ['3', '3', 'Cy', 'A', 'US'],
        ['4', '4', 'Di', 'C', 'EU'],
      ]);
      await buildWith(dir, { 'seeds/raw_customers.csv': RUN3 });
      expect(await rows(db, dir, `select customer_key, customer_id, segment, previous_segment, region from "${schema}".dim_t3 order by customer_key`)).toEqual([
        ['-1', null, 'Unknown', null, 'Unknown'],
        ['1', '1', 'B', 'A', 'US'],
        ['2', '2', 'B', null, 'US'],
        ['3', '3', 'A', null, 'US'],
        ['4', '4', 'C', null, 'EU'],
      ]);
      await buildWith(dir, {}, ['--full-refresh']);
      expect(await rows(db, dir, `select customer_key, customer_id from "${schema}".dim_t1 order by customer_key`)).toEqual([
        ['-1', null], ['1', '1'], ['2', '2'], ['3', '3'], ['4', '4'],
      ]);
    });

    it('refuses a batch with duplicate natural keys, listing them, and changes nothing', async () => {
      const { dir, schema } = await projectFor(db, { 'seeds/raw_customers.csv': RUN1, 'models/dim_customer.sql': SCD2 });
      schemas.push(schema);
      await buildWith(dir, {});
      const before = await rows(db, dir, `select * from "${schema}".dim_customer order by 1`);
      const { writeFile } = await import('node:fs/promises');
      await writeFile(`${dir}/seeds/raw_customers.csv`, RUN2 + '1,Ada,C,EU,2024-04-01 00:00:00\n4,Di,D,EU,2024-04-01 00:00:00\n');
      const r = await strata(['build', '--project-dir', dir]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/2 natural_key value\(s\) appear more than once in this batch: \(1\), \(4\)/);
      expect(await rows(db, dir, `select * from "${schema}".dim_customer order by 1`)).toEqual(before);
    });
  });
}
