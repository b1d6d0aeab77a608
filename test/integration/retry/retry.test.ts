import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata } from '../../helpers/strata-cli.js';

interface RunResults {
  results: { unique_id: string; status: string }[];
  args: Record<string, unknown>;
}

async function runResults(dir: string): Promise<RunResults> {
  return JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8')) as RunResults;
}

/** unique_id (a test's without its hash suffix) → status. */
const statuses = (r: RunResults): Record<string, string> => Object.fromEntries(r.results.map((x) => [x.unique_id.replace(/^(test\..*)\.[0-9a-f]{10}$/, '$1'), x.status]));

// b divides by zero until it is fixed; c reads b (skipped), d only reads a (succeeds).
// a records when it was built, so a rebuild would show. b needs --vars (retry must pass them on).
const FILES = {
  'models/a.sql': "{{ config(materialized='table') }}\nselect 1 as id, clock_timestamp() as built_at",
  'models/b.sql': "{{ config(materialized='table') }}\nselect id, {{ var('k') }} / (id - 1) as boom from {{ ref('a') }}",
  'models/c.sql': "{{ config(materialized='table') }}\nselect id from {{ ref('b') }}",
  'models/d.sql': "{{ config(materialized='table') }}\nselect id from {{ ref('a') }}",
  'models/schema.yml': 'version: 2\nmodels:\n  - name: c\n    columns:\n      - name: id\n        tests: [not_null]\n',
};

for (const db of testDatabases()) {
  describe(`strata retry on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('after a failure fixed in the model, reruns only the errored and skipped nodes with the same command and flags', async () => {
      const { dir, schema } = await projectFor(db, FILES);
      schemas.push(schema);
      const first = await strata(['build', '--project-dir', dir, '--vars', '{k: 7}', '--threads', '1']);
      expect(first.code, first.stdout + first.stderr).toBe(1);
      const before = await runResults(dir);
      expect(statuses(before)).toEqual({
        'model.t.a': 'success',
        'model.t.b': 'error',
        'model.t.c': 'skipped',
        'model.t.d': 'success',
        'test.t.not_null_c_id': 'skipped',
      });
      expect(before.args).toMatchObject({ which: 'build', vars: '{k: 7}', threads: 1 });
      const [{ built_at: aBuilt }] = await queryDb<{ built_at: Date }>(db, dir, `select built_at from "${schema}".a`);

      await writeFile(join(dir, 'models', 'b.sql'), "{{ config(materialized='table') }}\nselect id, {{ var('k') }} as boom from {{ ref('a') }}");
      const retry = await strata(['retry', '--project-dir', dir]);
      expect(retry.code, retry.stdout + retry.stderr).toBe(0);
      expect(retry.stdout + retry.stderr).toContain('Retrying 3 nodes of the last strata build');
      const after = await runResults(dir);
      expect(statuses(after)).toEqual({ 'model.t.b': 'success', 'model.t.c': 'success', 'test.t.not_null_c_id': 'pass' });
      expect(after.args).toMatchObject({ which: 'build', vars: '{k: 7}', threads: 1 });
      // b was built with the var of the original build; a was not rebuilt
      expect(await queryDb(db, dir, `select id, boom from "${schema}".b`)).toEqual([{ id: 1, boom: 7 }]);
      expect(await queryDb(db, dir, `select id from "${schema}".c`)).toEqual([{ id: 1 }]);
      const [{ built_at: aAfter }] = await queryDb<{ built_at: Date }>(db, dir, `select built_at from "${schema}".a`);
      expect(new Date(aAfter).getTime()).toBe(new Date(aBuilt).getTime());

      const nothing = await strata(['retry', '--project-dir', dir]);
      expect(nothing.code).toBe(0);
      expect(nothing.stdout + nothing.stderr).toContain('Nothing to retry');
    });

    it('a retry that fails again exits 1 and can itself be retried (run)', async () => {
      const { dir, schema } = await projectFor(db, FILES);
      schemas.push(schema);
      expect((await strata(['run', '--project-dir', dir, '--vars', '{k: 2}'])).code).toBe(1);
      const again = await strata(['retry', '--project-dir', dir]);
      expect(again.code).toBe(1);
      expect(statuses(await runResults(dir))).toEqual({ 'model.t.b': 'error', 'model.t.c': 'skipped' });
      expect((await runResults(dir)).args['which']).toBe('run');
      await writeFile(join(dir, 'models', 'b.sql'), "select id, {{ var('k') }} as boom from {{ ref('a') }}");
      const fixed = await strata(['retry', '--project-dir', dir]);
      expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
      // run retries models only: the test of c was not part of the run
      expect(statuses(await runResults(dir))).toEqual({ 'model.t.b': 'success', 'model.t.c': 'success' });
      expect(await queryDb(db, dir, `select boom from "${schema}".b`)).toEqual([{ boom: 2 }]);
    });

    it('without target/run_results.json exits 2 naming the file, and nothing is sent to the database', async () => {
      const { dir, schema } = await projectFor(db, FILES);
      schemas.push(schema);
      const r = await strata(['retry', '--project-dir', dir, '--log-format', 'json']);
      expect(r.code).toBe(2);
      const d = (r.stdout + r.stderr).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e['code'] === 'state-invalid');
      expect(d).toMatchObject({ file: 'target/run_results.json' });
      expect(String(d?.['hint'])).toContain('strata run, build');
      // never connected: no PGlite data directory, no schema on the server
      if (db.name === 'pglite') expect(existsSync(join(dir, '.strata', 'pglite'))).toBe(false);
      else expect(await queryDb(db, dir, 'select 1 from information_schema.schemata where schema_name = $1', [schema])).toEqual([]);
    });
  });
}
