import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata } from '../../helpers/strata-cli.js';

const PROJECT: Record<string, string> = {
  'seeds/raw_people.csv': 'id,name,joined_on\n1,Ada,2024-01-01\n2,Alan,2024-02-01\n',
  'models/people.sql': "{{ config(materialized='table') }}\nselect id, upper(name) as name, joined_on from {{ ref('raw_people') }}",
  'models/people_count.sql': "{{ config(materialized='table') }}\nselect count(*) as n, max(joined_on) as last_joined from {{ ref('people') }}",
  'models/people_view.sql': "select id, name from {{ ref('people') }} where id > 0",
};

for (const db of testDatabases()) {
  describe(`--empty and progress on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('run --empty builds every model with its columns and types but no rows', async () => {
      const { dir, schema } = await projectFor(db, PROJECT);
      schemas.push(schema);
      expect((await strata(['seed', '--project-dir', dir])).code).toBe(0);
      const r = await strata(['run', '--empty', '--project-dir', dir]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const people = await queryDb<{ n: string }>(db, dir, `select count(*)::text as n from "${schema}".people`);
      expect(people[0]!.n).toBe('0');
      // an aggregate over zero rows is one row of nulls/zero, as dbt's --empty gives
      const counted = await queryDb<{ n: string; last_joined: unknown }>(db, dir, `select n::text as n, last_joined from "${schema}".people_count`);
      expect(counted).toEqual([{ n: '0', last_joined: null }]);
      const cols = await queryDb<{ table_name: string; column_name: string; data_type: string }>(
        db,
        dir,
        `select table_name, column_name, data_type from information_schema.columns where table_schema = $1 and table_name in ('people', 'people_count') order by table_name, ordinal_position`,
        [schema],
      );
      expect(cols.map((c) => `${c.table_name}.${c.column_name} ${c.data_type}`)).toEqual([
        'people.id integer',
        'people.name text',
        'people.joined_on date',
        'people_count.n bigint',
        'people_count.last_joined date',
      ]);
      // a full run afterwards fills them
      expect((await strata(['run', '--project-dir', dir])).code).toBe(0);
      expect((await queryDb<{ n: string }>(db, dir, `select count(*)::text as n from "${schema}".people`))[0]!.n).toBe('2');
    });

    it('--empty still checks the SQL against the database: a type error fails the model', async () => {
      const { dir, schema } = await projectFor(db, {
        ...PROJECT,
        'models/bad_types.sql': "{{ config(materialized='table') }}\nselect name + 1 as broken from {{ ref('people') }}",
      });
      schemas.push(schema);
      expect((await strata(['seed', '--project-dir', dir])).code).toBe(0);
      const r = await strata(['run', '--empty', '--project-dir', dir]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/ERROR\s+model bad_types/);
      expect(r.stdout).toMatch(/operator does not exist: text \+ integer/);
    });

    it('prints a first line before loading, a START line for a node running over 2 s, and Done in = wall clock', { timeout: 60_000 }, async () => {
      const { dir, schema } = await projectFor(db, {
        'models/slow.sql': "{{ config(materialized='table') }}\nselect 1 as id from (select pg_sleep(2.4)) s",
        'models/quick.sql': 'select 2 as id',
      });
      schemas.push(schema);
      const started = performance.now();
      const r = await strata(['run', '--threads', '1', '--project-dir', dir]);
      const wall = (performance.now() - started) / 1000;
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^Loading project .+…$/);
      expect(lines[1]).toMatch(/^Compiled \d+ nodes in [\d.]+s; 2 selected$/);
      expect(lines[2]).toMatch(/^Connected to (embedded PGlite|PostgreSQL) .+ in [\d.]+s/);
      const start = lines.findIndex((l) => /START model slow \(running for 2s…\)/.test(l));
      const done = lines.findIndex((l) => /OK\s+model slow/.test(l));
      expect(start).toBeGreaterThan(0);
      expect(done).toBeGreaterThan(start);
      expect(lines.some((l) => /START model quick/.test(l))).toBe(false);
      const reported = Number(/Done in ([\d.]+)s/.exec(r.stdout)![1]);
      expect(reported).toBeGreaterThanOrEqual(2.4);
      expect(Math.abs(reported - wall)).toBeLessThan(0.3);
    });
  });
}
