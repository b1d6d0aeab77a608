/**
 * `strata clone --state` (dbt clone) against a real database: a target built in one schema,
 * its manifest as --state, cloned into a second schema as views that read the same rows;
 * existing relations are skipped unless --full-refresh (which replaces a table too); cloning a
 * target onto itself is refused with exit 2; run_results.json records what happened.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata, uniqueSchema } from '../../helpers/strata-cli.js';

const FILES: Record<string, string> = {
  'seeds/people.csv': 'id,name\n1,ada\n2,alan\n3,grace\n',
  'models/people_up.sql': "{{ config(materialized='table') }}\nselect id, upper(name) as name from {{ ref('people') }}",
  'models/eph.sql': "{{ config(materialized='ephemeral') }}\nselect id from {{ ref('people') }}",
  'models/counted.sql': "select count(*) as n from {{ ref('eph') }}",
};

interface RunResults {
  readonly results: readonly { unique_id: string; status: string; message: string | null }[];
  readonly args: { which: string };
}

for (const db of testDatabases()) {
  describe(`strata clone on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    /** A project whose `test` target is "prod" and whose `dev` target is another schema. */
    async function setup(): Promise<{ dir: string; prod: string; dev: string }> {
      const { dir, schema: prod } = await projectFor(db, FILES);
      const dev = uniqueSchema('dev');
      schemas.push(prod, dev);
      const profiles = await readFile(join(dir, 'profiles.yml'), 'utf8');
      const output = profiles.slice(profiles.indexOf('    test:\n') + '    test:\n'.length);
      await writeFile(join(dir, 'profiles.yml'), `${profiles.trimEnd()}\n    dev:\n${output.replace(`schema: ${prod}`, `schema: ${dev}`)}`);
      const b = await strata(['build', '--project-dir', dir]);
      expect(b.code, b.stdout + b.stderr).toBe(0);
      await cp(join(dir, 'target'), join(dir, 'prod-state'), { recursive: true });
      return { dir, prod, dev };
    }

    const relations = (dir: string, schema: string): Promise<{ table_name: string; table_type: string }[]> =>
      queryDb(db, dir, 'select table_name, table_type from information_schema.tables where table_schema = $1 order by 1', [schema]);

    it('clones the state relations into another schema as views reading the same rows', async () => {
      const { dir, prod, dev } = await setup();
      const r = await strata(['clone', '--project-dir', dir, '-t', 'dev', '--state', join(dir, 'prod-state')]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`OK clone model.t.people_up: view "${dev}"."people_up" over "${prod}"."people_up"`);
      expect(r.stdout).toMatch(/3 cloned, 0 skipped, 0 error/);
      expect(await relations(dir, dev)).toEqual([
        { table_name: 'counted', table_type: 'VIEW' },
        { table_name: 'people', table_type: 'VIEW' },
        { table_name: 'people_up', table_type: 'VIEW' },
      ]);
      const rows = await queryDb(db, dir, `select * from "${dev}".people_up order by id`);
      expect(rows).toEqual(await queryDb(db, dir, `select * from "${prod}".people_up order by id`));
      expect(rows.map((x) => (x as { name: string }).name)).toEqual(['ADA', 'ALAN', 'GRACE']);
      const view = await queryDb<{ d: string }>(db, dir, `select pg_get_viewdef('"${dev}".people_up'::regclass) as d`);
      expect(view[0]!.d).toContain(`${prod}.people_up`);
      const rr = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8')) as RunResults;
      expect(rr.args.which).toBe('clone');
      expect(rr.results.map((x) => [x.unique_id, x.status]).sort()).toEqual([
        ['model.t.counted', 'success'],
        ['model.t.people_up', 'success'],
        ['seed.t.people', 'success'],
      ]);
    });

    it('skips relations that exist; --full-refresh replaces them (a table too); selection flags apply', async () => {
      const { dir, prod, dev } = await setup();
      // dev already has its own people_up table
      const own = await strata(['run', '--project-dir', dir, '-t', 'dev', '-s', 'people_up', '--defer', '--state', join(dir, 'prod-state')]);
      expect(own.code, own.stdout + own.stderr).toBe(0);
      expect(await relations(dir, dev)).toEqual([{ table_name: 'people_up', table_type: 'BASE TABLE' }]);

      const again = await strata(['clone', '--project-dir', dir, '-t', 'dev', '--state', join(dir, 'prod-state'), '-s', 'people_up', 'people']);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(again.stdout).toContain(`SKIP clone model.t.people_up: "${dev}"."people_up" already exists (table)`);
      expect(again.stdout).toMatch(/1 cloned, 1 skipped, 0 error/);
      expect(await relations(dir, dev)).toEqual([
        { table_name: 'people', table_type: 'VIEW' },
        { table_name: 'people_up', table_type: 'BASE TABLE' },
      ]);
      const rr = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8')) as RunResults;
      expect(rr.results.find((x) => x.unique_id === 'model.t.people_up')?.status).toBe('skipped');

      const full = await strata(['clone', '--project-dir', dir, '-t', 'dev', '--state', join(dir, 'prod-state'), '-s', 'people_up', '--full-refresh']);
      expect(full.code, full.stdout + full.stderr).toBe(0);
      expect(full.stdout).toMatch(/1 cloned, 0 skipped, 0 error/);
      expect(await relations(dir, dev)).toEqual([
        { table_name: 'people', table_type: 'VIEW' },
        { table_name: 'people_up', table_type: 'VIEW' },
      ]);
      expect(await queryDb(db, dir, `select count(*)::int as n from "${dev}".people_up`)).toEqual([{ n: 3 }]);
      expect(prod).not.toBe(dev);
    });

    it('refuses to clone a target onto itself (exit 2, nothing changed) and needs --state', async () => {
      const { dir, prod } = await setup();
      const before = await relations(dir, prod);
      const r = await strata(['clone', '--project-dir', dir, '--state', join(dir, 'prod-state')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('[state-invalid]');
      expect(r.stderr).toContain('nothing to clone');
      expect(await relations(dir, prod)).toEqual(before);
      const none = await strata(['clone', '--project-dir', dir, '-t', 'dev']);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('clone needs --state');
      const missing = await strata(['clone', '--project-dir', dir, '-t', 'dev', '--state', 'no-such-dir']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("no manifest.json in --state directory 'no-such-dir'");
    });
  });
}
