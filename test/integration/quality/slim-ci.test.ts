import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata, uniqueSchema } from '../../helpers/strata-cli.js';
import { runResults } from './helpers.js';

const PROJECT: Record<string, string> = {
  'models/a.sql': "{{ config(materialized='table') }}\nselect g as id from generate_series(1, 3) g",
  'models/b.sql': "{{ config(materialized='table') }}\nselect id, id * 10 as v from {{ ref('a') }}",
  'models/c.sql': "{{ config(materialized='table') }}\nselect sum(v) as total from {{ ref('b') }}",
  'models/other.sql': "{{ config(materialized='table') }}\nselect 1 as x",
  'models/schema.yml': 'version: 2\nmodels:\n  - name: b\n    columns:\n      - name: id\n        tests: [unique]\n',
};

/** Adds a `ci` target to the project's profile: same database, another schema. */
async function addCiTarget(dir: string, ciSchema: string): Promise<void> {
  const text = await readFile(join(dir, 'profiles.yml'), 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === '    test:');
  const body = lines.slice(start + 1).filter((l) => l.startsWith('      ')).map((l) => (l.trim().startsWith('schema:') ? `      schema: ${ciSchema}` : l));
  await writeFile(join(dir, 'profiles.yml'), `${text.trimEnd()}\n    ci:\n${body.join('\n')}\n`);
}

for (const db of testDatabases()) {
  describe(`slim CI (state:modified+, --defer) on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('builds only changed models into the CI schema and reads unchanged parents from production', async () => {
      const { dir, schema: prod } = await projectFor(db, PROJECT);
      const ci = uniqueSchema('ci');
      schemas.push(prod, ci);
      await addCiTarget(dir, ci);
      expect((await strata(['build', '--project-dir', dir])).code).toBe(0);
      await mkdir(join(dir, 'prod-state'));
      await copyFile(join(dir, 'target', 'manifest.json'), join(dir, 'prod-state', 'manifest.json'));

      await writeFile(join(dir, 'models', 'b.sql'), "{{ config(materialized='table') }}\nselect id, id * 100 as v from {{ ref('a') }}");
      const r = await strata([
        'build', '--project-dir', dir, '--target', 'ci',
        '--select', 'state:modified+', '--state', join(dir, 'prod-state'), '--defer',
        '--junit-xml', join(dir, 'target', 'junit.xml'),
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Deferring 1 unselected parent to the --state relations');
      const res = await runResults(dir);
      expect(Object.keys(res).sort()).toEqual(['model.t.b', 'model.t.c', 'test.t.unique_b_id']);
      const built = await queryDb<{ relname: string }>(db, dir, `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind = 'r' order by 1`, [ci]);
      expect(built.map((x) => x.relname)).toEqual(['b', 'c']);
      expect(await queryDb<{ total: string }>(db, dir, `select total::text as total from "${ci}".c`)).toEqual([{ total: '600' }]);
      // Production is untouched.
      expect(await queryDb<{ total: string }>(db, dir, `select total::text as total from "${prod}".c`)).toEqual([{ total: '60' }]);
      const xml = await readFile(join(dir, 'target', 'junit.xml'), 'utf8');
      expect(xml).toContain('<testsuites name="strata build" tests="3" failures="0" errors="0" skipped="0"');
      expect(xml).toMatch(/<testcase classname="model\.t\.b" name="unique_b_id" file="models\/schema\.yml" time="[\d.]+"\/>/);

      // Without --defer, the CI schema has no `a`: b fails, c is skipped (exit 1).
      await dropSchema(db, ci).catch(() => undefined);
      if (db.name === 'pglite') await queryDb(db, dir, `drop schema if exists "${ci}" cascade`);
      const noDefer = await strata(['build', '--project-dir', dir, '--target', 'ci', '--select', 'state:modified+', '--state', join(dir, 'prod-state')]);
      expect(noDefer.code).toBe(1);
      const res2 = await runResults(dir);
      expect(res2['model.t.b']!.status).toBe('error');
      expect(res2['model.t.c']!.status).toBe('skipped');
    });

    it('--defer without --state is a usage error (exit 2)', async () => {
      const { dir, schema } = await projectFor(db, PROJECT);
      schemas.push(schema);
      const r = await strata(['build', '--project-dir', dir, '--defer']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--defer needs --state');
    });
  });
}
