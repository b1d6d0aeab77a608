import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata } from '../../helpers/strata-cli.js';

const PROJECT: Record<string, string> = {
  'seeds/raw_people.csv': 'id,name,score,joined_on\n1,Ada,10.5,2024-01-01\n2,Alan,,2024-02-01\n3,Grace,7,2024-03-01\n',
  'models/stg_people.sql': "select id, name, coalesce(score, 0) as score, joined_on from {{ ref('raw_people') }}",
  'models/people_scores.sql': "{{ config(materialized='table') }}\nselect id, score * 2 as double_score from {{ ref('stg_people') }}",
  'models/eph_names.sql': "{{ config(materialized='ephemeral') }}\nselect id, upper(name) as name from {{ ref('stg_people') }}",
  'models/people_names.sql': "{{ config(materialized='table') }}\nselect * from {{ ref('eph_names') }}",
  'models/schema.yml': [
    'version: 2',
    'models:',
    '  - name: people_scores',
    '    columns:',
    '      - name: id',
    '        tests: [unique, not_null]',
    '  - name: stg_people',
    '    columns:',
    '      - name: name',
    '        tests:',
    '          - accepted_values:',
    '              values: [Ada, Alan]',
    '              config: {severity: warn}',
    '',
  ].join('\n'),
};

for (const db of testDatabases()) {
  describe(`build on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('loads seeds, builds models in DAG order, runs tests, writes run_results.json', async () => {
      const { dir, schema } = await projectFor(db, PROJECT);
      schemas.push(schema);
      const r = await strata(['build', '--project-dir', dir]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const rows = await queryDb<{ id: number; double_score: string }>(
        db,
        dir,
        `select id, double_score::text as double_score from "${schema}".people_scores order by id`,
      );
      expect(rows.map((x) => [x.id, x.double_score])).toEqual([
        [1, '21.0'],
        [2, '0'],
        [3, '14'],
      ]);
      const names = await queryDb<{ name: string }>(db, dir, `select name from "${schema}".people_names order by id`);
      expect(names.map((x) => x.name)).toEqual(['ADA', 'ALAN', 'GRACE']);
      const kinds = await queryDb<{ relname: string; relkind: string }>(
        db,
        dir,
        `select c.relname, c.relkind::text as relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = $1 and c.relkind in ('r','v') order by 1`,
        [schema],
      );
      expect(kinds).toEqual([
        { relname: 'people_names', relkind: 'r' },
        { relname: 'people_scores', relkind: 'r' },
        { relname: 'raw_people', relkind: 'r' },
        { relname: 'stg_people', relkind: 'v' },
      ]);
      const seedTypes = await queryDb<{ column_name: string; data_type: string }>(
        db,
        dir,
        `select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = 'raw_people' order by ordinal_position`,
        [schema],
      );
      expect(seedTypes.map((c) => `${c.column_name}:${c.data_type}`)).toEqual([
        'id:integer',
        'name:text',
        'score:numeric',
        'joined_on:date',
      ]);
      const results = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8')) as {
        results: { unique_id: string; status: string; failures: number | null }[];
      };
      const byId = Object.fromEntries(results.results.map((x) => [x.unique_id, x]));
      expect(byId['seed.t.raw_people']!.status).toBe('success');
      expect(byId['model.t.people_scores']!.status).toBe('success');
      const av = results.results.find((x) => x.unique_id.startsWith('test.t.accepted_values_stg_people_name'));
      expect(av).toMatchObject({ status: 'warn', failures: 1 });
      expect(results.results.filter((x) => x.status === 'pass')).toHaveLength(2);
      // the ephemeral model is inlined, never a run result (dbt's adapter suite)
      expect(byId['model.t.eph_names']).toBeUndefined();
      expect(r.stdout).toMatch(/Done in [\d.]+s: 6 ok, 1 warn, 0 error, 0 fail, 0 skipped/);
    });

    it('a failing model keeps its previous table, skips only its descendants, exits 1', async () => {
      const { dir, schema } = await projectFor(db, {
        'models/a.sql': "{{ config(materialized='table') }}\nselect 1 as id",
        'models/b.sql': "{{ config(materialized='table') }}\nselect id from {{ ref('a') }}",
        'models/c.sql': "{{ config(materialized='table') }}\nselect 2 as id",
      });
      schemas.push(schema);
      expect((await strata(['run', '--project-dir', dir])).code).toBe(0);
      // Break `a` at execution time (division by zero happens while the new table is built).
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dir, 'models', 'a.sql'), "{{ config(materialized='table') }}\nselect 1 / (select count(*) - count(*) from generate_series(1, 3)) as id");
      const r = await strata(['run', '--project-dir', dir]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('ERROR model.t.a: division by zero');
      const results = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8')) as {
        results: { unique_id: string; status: string }[];
      };
      const status = Object.fromEntries(results.results.map((x) => [x.unique_id, x.status]));
      expect(status).toEqual({ 'model.t.a': 'error', 'model.t.b': 'skipped', 'model.t.c': 'success' });
      const still = await queryDb<{ id: number }>(db, dir, `select id from "${schema}".a`);
      expect(still).toEqual([{ id: 1 }]);
      const leftovers = await queryDb(db, dir, `select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and relname like '%strata%'`, [schema]);
      expect(leftovers).toEqual([]);
    });

    it('renders Jinja in pre/post hooks and on-run-start/on-run-end', async () => {
      const { dir, schema } = await projectFor(db, {
        'models/hooked.sql':
          "{{ config(materialized='table', post_hook=\"insert into {{ target.schema }}.audit_log select '{{ this.identifier }}', count(*) from {{ this }}\") }}\nselect generate_series(1, 4) as id",
      });
      schemas.push(schema);
      const { writeFile } = await import('node:fs/promises');
      await writeFile(
        join(dir, 'strata_project.yml'),
        [
          'name: t',
          'profile: t',
          'on-run-start:',
          '  - "create table if not exists {{ target.schema }}.audit_log (model text, n bigint)"',
          'on-run-end:',
          "  - \"insert into {{ target.schema }}.audit_log values ('run-end', 0)\"",
          '',
        ].join('\n'),
      );
      const r = await strata(['run', '--project-dir', dir]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const rows = await queryDb<{ model: string; n: string }>(db, dir, `select model, n::text as n from "${schema}".audit_log order by model`);
      expect(rows).toEqual([
        { model: 'hooked', n: '4' },
        { model: 'run-end', n: '0' },
      ]);
    });

    it('incremental merge with NULLs in the unique key never duplicates rows', async () => {
      const model = (rows: string): string =>
        `{{ config(materialized='incremental', incremental_strategy='merge', unique_key=['k1', 'k2']) }}\nselect * from (values ${rows}) v(k1, k2, val)`;
      const { dir, schema } = await projectFor(db, {
        'models/inc.sql': model("(1, null::int, 'a'), (2, 20, 'b')"),
      });
      schemas.push(schema);
      expect((await strata(['run', '--project-dir', dir])).code).toBe(0);
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dir, 'models', 'inc.sql'), model("(1, null::int, 'a2'), (2, 20, 'b2'), (3, null::int, 'c')"));
      expect((await strata(['run', '--project-dir', dir])).code).toBe(0);
      expect((await strata(['run', '--project-dir', dir])).code).toBe(0);
      const rows = await queryDb<{ k1: number; k2: number | null; val: string }>(db, dir, `select k1, k2, val from "${schema}".inc order by k1`);
      expect(rows).toEqual([
        { k1: 1, k2: null, val: 'a2' },
        { k1: 2, k2: 20, val: 'b2' },
        { k1: 3, k2: null, val: 'c' },
      ]);
    });

    it('a malformed CSV stops the run with exit 2 at its line and leaves the table untouched', async () => {
      const { dir, schema } = await projectFor(db, { 'seeds/s.csv': 'a,b\n1,2\n3,4\n' });
      schemas.push(schema);
      expect((await strata(['seed', '--project-dir', dir])).code).toBe(0);
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dir, 'seeds', 's.csv'), 'a,b\n5,6\n7,8,9\n');
      const r = await strata(['seed', '--project-dir', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('seeds/s.csv:3:1: error[seed-invalid]: malformed CSV');
      const rows = await queryDb<{ a: number }>(db, dir, `select a from "${schema}".s order by a`);
      expect(rows).toEqual([{ a: 1 }, { a: 3 }]);
    });
  });
}

describe('bad profiles', () => {
  it('exit 2 with the profiles.yml line and nothing run', async () => {
    const { writeTempProject } = await import('../../helpers/temp-project.js');
    const dir = await writeTempProject({
      'strata_project.yml': 'name: t\nprofile: t\n',
      'profiles.yml': 't:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: localhost\n      port: not-a-port\n      user: u\n      dbname: d\n      schema: s\n',
      'models/a.sql': 'select 1',
    });
    const r = await strata(['run', '--project-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/profiles\.yml:7:\d+: error\[profile-invalid\]/);
  });
});
