/**
 * Cases of dbt's adapter test suite (dbt-tests-adapter `basic/`) that a dbt project relies on:
 * seed types as dbt-postgres infers them, `quote_columns: false`, `{{ schema }}` in the context,
 * ephemeral models absent from run_results.json, run_results.json written for an empty run.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata } from '../../helpers/strata-cli.js';

const PROJECT: Record<string, string> = {
  'dbt_project.yml': 'name: t\nprofile: t\nseeds:\n  t:\n    +quote_columns: false\n    typed:\n      +column_types:\n        Amount: text\n',
  'seeds/base.csv': 'ID,Name,Price,Active\n1,a,1.5,true\n2,b,2,false\n',
  'seeds/typed.csv': 'id,Amount\n1,3.25\n',
  'models/eph.sql': "{{ config(materialized='ephemeral') }}\nselect id, name from {{ ref('base') }}",
  'models/from_eph.sql': "select '{{ schema }}' as schema_name, '{{ database }}' as database_name, * from {{ ref('eph') }}",
};

for (const db of testDatabases()) {
  describe(`dbt adapter-suite behaviour on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('seeds, schema/database in the context, ephemerals out of run_results, empty runs', async () => {
      const { dir, schema } = await projectFor(db, PROJECT);
      schemas.push(schema);
      // projectFor writes strata_project.yml (which wins over dbt_project.yml): this is a dbt project
      await rm(join(dir, 'strata_project.yml'));
      const r = await strata(['build', '--project-dir', dir]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const cols = await queryDb<{ table_name: string; column_name: string; data_type: string }>(
        db,
        dir,
        'select table_name, column_name, data_type from information_schema.columns where table_schema = $1 and table_name in ($2, $3) order by table_name, ordinal_position',
        [schema, 'base', 'typed'],
      );
      expect(cols.map((c) => `${c.table_name}.${c.column_name} ${c.data_type}`)).toEqual([
        'base.id integer',
        'base.name text',
        'base.price double precision',
        'base.active boolean',
        'typed.id integer',
        'typed.amount text',
      ]);
      const rows = await queryDb<{ schema_name: string; database_name: string }>(db, dir, `select schema_name, database_name from "${schema}".from_eph limit 1`);
      expect(rows[0]?.schema_name).toBe(schema);
      expect(rows[0]?.database_name).not.toBe('');
      const results = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8')) as { results: { unique_id: string }[] };
      expect(results.results.map((x) => x.unique_id).sort()).toEqual(['model.t.from_eph', 'seed.t.base', 'seed.t.typed']);

      const empty = await strata(['run', '--project-dir', dir, '-s', 'tag:nothing_has_this']);
      expect(empty.code).toBe(0);
      const after = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8')) as { results: unknown[]; args: Record<string, unknown> };
      expect(after.results).toEqual([]);
    });
  });
}
