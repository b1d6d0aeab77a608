/**
 * Snapshots (dbt semantics), equivalent to dbt's timestamp and check-cols suites: new, changed,
 * unchanged and deleted rows; hard_deletes invalidate / new_record; reruns change nothing;
 * duplicate keys are refused without changing anything; YAML config errors are located.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, strata } from '../../helpers/strata-cli.js';
import { buildWith, rows } from './helpers.js';

const H = 'id,name,email,updated_at\n';
const V1 = H + '1,Ada,a@x,2024-01-01 00:00:00\n2,Bob,b@x,2024-01-01 00:00:00\n3,Cy,c@x,2024-01-01 00:00:00\n';
// 1 changes (newer updated_at), 2 changes email with the SAME updated_at, 3 deleted, 4 new.
const V2 = H + '1,Ada L,a@x,2024-02-01 00:00:00\n2,Bob,bob@x,2024-01-01 00:00:00\n4,Di,d@x,2024-02-01 00:00:00\n';
// 3 comes back.
const V3 = V2 + '3,Cy,c@x,2024-03-01 00:00:00\n';

const snap = (cfg: string): string =>
  `{% snapshot snap %}\n{{ config(unique_key='id', ${cfg}) }}\nselect * from {{ ref('raw_people') }}\n{% endsnapshot %}\n`;
const Q = (schema: string, extra = ''): string =>
  `select id, name, email, dbt_valid_from::date::text as vf, dbt_valid_to::date::text as vt${extra} from "${schema}".snap order by id, dbt_valid_from, dbt_valid_to nulls last`;

for (const db of testDatabases()) {
  describe(`snapshot on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('timestamp strategy with hard_deletes: invalidate', async () => {
      const { dir, schema } = await projectFor(db, {
        'seeds/raw_people.csv': V1,
        'snapshots/snap.sql': snap("strategy='timestamp', updated_at='updated_at', hard_deletes='invalidate'"),
      });
      schemas.push(schema);
      await buildWith(dir, {});
      await buildWith(dir, { 'seeds/raw_people.csv': V2 });
      const today = (await rows(db, dir, 'select localtimestamp::date::text'))[0]![0];
      const expected = [
        ['1', 'Ada', 'a@x', '2024-01-01', '2024-02-01'],
        ['1', 'Ada L', 'a@x', '2024-02-01', null],
        // Same updated_at: the timestamp strategy sees no change (as dbt).
        ['2', 'Bob', 'b@x', '2024-01-01', null],
        ['3', 'Cy', 'c@x', '2024-01-01', today],
        ['4', 'Di', 'd@x', '2024-02-01', null],
      ];
      expect(await rows(db, dir, Q(schema))).toEqual(expected);
      const ids = await rows(db, dir, `select dbt_scd_id, dbt_updated_at::text from "${schema}".snap order by 1`);
      await buildWith(dir, {});
      expect(await rows(db, dir, Q(schema))).toEqual(expected);
      expect(await rows(db, dir, `select dbt_scd_id, dbt_updated_at::text from "${schema}".snap order by 1`)).toEqual(ids);
      await buildWith(dir, { 'seeds/raw_people.csv': V3 });
      expect(await rows(db, dir, Q(schema))).toEqual([...expected.slice(0, 4), ['3', 'Cy', 'c@x', '2024-03-01', null], expected[4]]);
    });

    it('check strategy on listed columns, hard_deletes: new_record (dbt_is_deleted)', async () => {
      const { dir, schema } = await projectFor(db, {
        'seeds/raw_people.csv': V1,
        'snapshots/snap.sql': snap("strategy='check', check_cols=['email'], hard_deletes='new_record'"),
      });
      schemas.push(schema);
      await buildWith(dir, {});
      await buildWith(dir, { 'seeds/raw_people.csv': V2 });
      // 1 changed only `name` (not checked): no new version. 2 changed email: new version. 3 deleted: a deletion record.
      const q = `select id, name, email, dbt_valid_to is null as current, dbt_is_deleted from "${schema}".snap order by id, dbt_valid_from, dbt_is_deleted`;
      const afterV2 = [
        ['1', 'Ada', 'a@x', 'true', 'False'],
        ['2', 'Bob', 'b@x', 'false', 'False'],
        ['2', 'Bob', 'bob@x', 'true', 'False'],
        ['3', 'Cy', 'c@x', 'false', 'False'],
        ['3', 'Cy', 'c@x', 'true', 'True'],
        ['4', 'Di', 'd@x', 'true', 'False'],
      ];
      expect(await rows(db, dir, q)).toEqual(afterV2);
      await buildWith(dir, {});
      expect(await rows(db, dir, q)).toEqual(afterV2);
      await buildWith(dir, { 'seeds/raw_people.csv': V3 });
      const after = await rows(db, dir, `select id, dbt_valid_to is null as current, dbt_is_deleted from "${schema}".snap where id = 3 order by dbt_valid_from, dbt_is_deleted desc`);
      expect(after).toEqual([
        ['3', 'false', 'False'],
        ['3', 'false', 'True'],
        ['3', 'true', 'False'],
      ]);
    });

    it('check_cols: all; duplicate keys in a batch are refused, listing them, nothing applied', async () => {
      const { dir, schema } = await projectFor(db, { 'seeds/raw_people.csv': V1, 'snapshots/snap.sql': snap("strategy='check', check_cols='all'") });
      schemas.push(schema);
      await buildWith(dir, {});
      await buildWith(dir, { 'seeds/raw_people.csv': V2 });
      expect(await rows(db, dir, `select id, count(*) from "${schema}".snap group by 1 order by 1`)).toEqual([['1', '2'], ['2', '2'], ['3', '1'], ['4', '1']]);
      const before = await rows(db, dir, `select * from "${schema}".snap order by 1, 3`);
      await writeFile(`${dir}/seeds/raw_people.csv`, V2 + '4,Dee,d@x,2024-02-02 00:00:00\n');
      const r = await strata(['build', '--project-dir', dir]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('1 unique_key value(s) appear more than once in this batch: (4)');
      expect(await rows(db, dir, `select * from "${schema}".snap order by 1, 3`)).toEqual(before);
    });

    it('YAML-configured snapshots (dbt 1.9: relation + config) behave like blocks', async () => {
      const { dir, schema } = await projectFor(db, {
        'seeds/raw_people.csv': V1,
        'snapshots/snapshots.yml': [
          'snapshots:',
          '  - name: snap',
          "    relation: ref('raw_people')",
          '    config: {unique_key: id, strategy: timestamp, updated_at: updated_at}',
          '',
        ].join('\n'),
      });
      schemas.push(schema);
      await buildWith(dir, {});
      await buildWith(dir, { 'seeds/raw_people.csv': V2 });
      expect(await rows(db, dir, `select id, name, dbt_valid_to is null as current from "${schema}".snap order by id, dbt_valid_from`)).toEqual([
        ['1', 'Ada', 'false'],
        ['1', 'Ada L', 'true'],
        ['2', 'Bob', 'true'],
        ['3', 'Cy', 'true'],
        ['4', 'Di', 'true'],
      ]);
    });

    it('strata snapshot runs only snapshots (their seeds must exist)', async () => {
      const { dir, schema } = await projectFor(db, { 'seeds/raw_people.csv': V1, 'snapshots/snap.sql': snap("strategy='check', check_cols=['email']") });
      schemas.push(schema);
      expect((await strata(['seed', '--project-dir', dir])).code).toBe(0);
      const r = await strata(['snapshot', '--project-dir', dir]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/1 of 1 OK\s+snapshot snap/);
      expect(await rows(db, dir, `select count(*) from "${schema}".snap`)).toEqual([['3']]);
    });

    it('a snapshot without a strategy is a located config error', async () => {
      const { dir, schema } = await projectFor(db, { 'seeds/raw_people.csv': V1, 'snapshots/snap.sql': snap("updated_at='updated_at'") });
      schemas.push(schema);
      const r = await strata(['compile', '--project-dir', dir]);
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toMatch(/snapshots\/snap\.sql:2:\d+/);
      expect(r.stdout + r.stderr).toContain("config 'strategy'");
    });
  });
}
