/**
 * Execution-time rendering with an installed package (test/fixtures/packages/my_utils, ours):
 * introspection over a model built earlier in the same run, a run_query-driven loop, a generic
 * test taking a ref() argument, a package materialization, dispatch overrides, and the errors.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, REPO, strata } from '../../helpers/strata-cli.js';

async function packageFiles(name: string): Promise<Record<string, string>> {
  const root = join(REPO, 'test', 'fixtures', 'packages', name);
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) await walk(abs);
      else out[`dbt_packages/${name}/${relative(root, abs)}`] = await readFile(abs, 'utf8');
    }
  };
  await walk(root);
  return out;
}

const PROJECT = (pkg: Record<string, string>): Record<string, string> => ({
  ...pkg,
  'strata_project.yml': [
    'name: shop',
    'profile: t',
    'dispatch:',
    "  - macro_namespace: my_utils",
    "    search_order: ['shop', 'my_utils']",
    '',
  ].join('\n'),
  'packages.yml': 'packages:\n  - local: ../my_utils\n',
  'seeds/people.csv': 'id,name,team,secret\n1,Ada,red,x\n2,Alan,blue,y\n3,Grace,red,z\n',
  'models/wide.sql': "{{ config(materialized='table') }}\nselect id, name, team, secret from {{ ref('people') }}",
  'models/narrow.sql': "select {{ my_utils.star(ref('wide'), except=['SECRET']) }} from {{ ref('wide') }}",
  'models/team_counts.sql': "select {{ my_utils.pivot_counts(ref('wide'), 'team') }} from {{ ref('wide') }}",
  'models/copied.sql': "{{ config(materialized='copy_table', post_hook='delete from {{ this }} where id = 3') }}\nselect * from {{ ref('narrow') }}",
  'models/model_count.sql': "select {{ graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | list | length }} as n",
  'models/schema.yml': [
    'version: 2',
    'models:',
    '  - name: narrow',
    '    data_tests:',
    '      - my_utils.same_row_count:',
    "          compare_model: ref('wide')",
    '',
  ].join('\n'),
});

for (const db of testDatabases()) {
  describe(`execution-time rendering on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('introspects relations built earlier in the run, loops over run_query results, runs package tests and materializations', async () => {
      const { dir, schema } = await projectFor(db, PROJECT(await packageFiles('my_utils')));
      schemas.push(schema);
      const r = await strata(['build', '--project-dir', dir]);
      expect(r.stderr).toBe('');
      expect(r.stdout).not.toContain('ERROR');
      expect(r.code).toBe(0);
      const cols = await queryDb<{ column_name: string }>(
        db,
        dir,
        'select column_name from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position',
        [schema, 'narrow'],
      );
      expect(cols.map((c) => c.column_name)).toEqual(['id', 'name', 'team']);
      const counts = await queryDb<Record<string, string>>(db, dir, `select "n_blue"::text as blue, "n_red"::text as red from "${schema}".team_counts`);
      expect(counts).toEqual([{ blue: '1', red: '2' }]);
      const modelCount = await queryDb<{ n: number }>(db, dir, `select n from "${schema}".model_count`);
      expect(modelCount).toEqual([{ n: 5 }]);
      const copied = await queryDb<{ id: number }>(db, dir, `select id from "${schema}".copied order by id`);
      expect(copied.map((x) => x.id)).toEqual([1, 2]);
      const results = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8')) as { results: { unique_id: string; status: string; message: string }[] };
      const test = results.results.find((x) => x.unique_id.startsWith('test.shop.my_utils_same_row_count_narrow'));
      expect(test?.status).toBe('pass');
      expect(results.results.find((x) => x.unique_id === 'model.shop.copied')?.message).toMatch(/^copy_table \(\d+ statements\)$/);
      // the SQL the run sent is what execution-time rendering produced, not the parse-time '*'
      const narrowSql = await readFile(join(dir, 'target', 'run', 'shop', 'models', 'narrow.sql'), 'utf8');
      expect(narrowSql).toContain('select "id", "name", "team" from');
    });

    it('a root-project default__ wins through the dispatch search order', async () => {
      const files = PROJECT(await packageFiles('my_utils'));
      files['macros/star.sql'] = "{% macro default__star(from, except) %}1 as overridden{% endmacro %}";
      const { dir, schema } = await projectFor(db, files);
      schemas.push(schema);
      const r = await strata(['build', '--project-dir', dir, '-s', 'people', 'wide', 'narrow']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const cols = await queryDb<{ column_name: string }>(
        db,
        dir,
        'select column_name from information_schema.columns where table_schema = $1 and table_name = $2',
        [schema, 'narrow'],
      );
      expect(cols.map((c) => c.column_name)).toEqual(['overridden']);
    });

    it('a misspelled materialization is a compile error at its config() call; nothing reaches the database', async () => {
      const files = PROJECT(await packageFiles('my_utils'));
      files['models/copied.sql'] = "\n{{ config(materialized='copy_tabel') }}\nselect 1 as id";
      const { dir, schema } = await projectFor(db, files);
      schemas.push(schema);
      const r = await strata(['build', '--project-dir', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('models/copied.sql:2:4: error[materialization-unknown]');
      expect(r.stderr).toContain("did you mean 'copy_table'?");
      if (db.name === 'pglite') {
        expect(existsSync(join(dir, '.strata', 'pglite'))).toBe(false);
      } else {
        const exists = await queryDb<{ n: string }>(db, dir, 'select count(*)::text as n from information_schema.schemata where schema_name = $1', [schema]);
        expect(exists).toEqual([{ n: '0' }]);
      }
    });

    it('without the package installed, a package macro names `strata deps`', async () => {
      const files = PROJECT({});
      const { dir, schema } = await projectFor(db, files);
      schemas.push(schema);
      const r = await strata(['compile', '--project-dir', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('error[packages-not-installed]');
      expect(r.stderr).toContain('strata deps');
    });
  });
}
