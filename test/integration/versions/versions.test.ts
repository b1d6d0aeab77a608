import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata } from '../../helpers/strata-cli.js';

const SCHEMA_YML = [
  'version: 2',
  'models:',
  '  - name: dim',
  '    latest_version: 2',
  '    columns:',
  '      - name: id',
  '        tests: [not_null]',
  '      - name: label',
  '    versions:',
  '      - v: 1',
  '        columns:',
  '          - include: all',
  '            exclude: [label]',
  '      - v: 2',
  '      - v: 3',
  '        defined_in: dim_next',
  '        config: {materialized: table}',
  '',
].join('\n');

const FILES = {
  'models/dim_v1.sql': "{{ config(materialized='table') }}\nselect 1 as id, 'one' as label",
  'models/dim_v2.sql': "{{ config(materialized='table') }}\nselect 2 as id, 'two' as label",
  'models/dim_next.sql': "select 3 as id, 'three' as label",
  'models/reads_latest.sql': "{{ config(materialized='table') }}\nselect id, label from {{ ref('dim') }}",
  'models/reads_v1.sql': "{{ config(materialized='table') }}\nselect id from {{ ref('dim', v=1) }}",
  'models/reads_v3.sql': "{{ config(materialized='table') }}\nselect id from {{ ref('dim', version=3) }}",
  'models/schema.yml': SCHEMA_YML,
};

interface Node { unique_id: string; name: string; alias: string; version?: string | number; latest_version?: string | number; depends_on: { nodes: string[] }; columns: Record<string, unknown>; fqn: string[]; refs: { name: string; version?: string }[] }

async function manifestOf(dir: string): Promise<{ nodes: Record<string, Node> }> {
  return JSON.parse(await readFile(join(dir, 'target', 'manifest.json'), 'utf8')) as { nodes: Record<string, Node> };
}

for (const db of testDatabases()) {
  describe(`model versions on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('builds one relation per version and ref() reads the latest (latest_version) or the pinned version', async () => {
      const { dir, schema } = await projectFor(db, FILES);
      schemas.push(schema);
      const r = await strata(['build', '--project-dir', dir]);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const rels = await queryDb<{ table_name: string }>(db, dir, 'select table_name from information_schema.tables where table_schema = $1 order by 1', [schema]);
      expect(rels.map((x) => x.table_name)).toEqual(['dim_v1', 'dim_v2', 'dim_v3', 'reads_latest', 'reads_v1', 'reads_v3']);
      // latest_version: 2 although v3 exists, so ref('dim') reads dim_v2
      expect(await queryDb(db, dir, `select id, label from "${schema}".reads_latest`)).toEqual([{ id: 2, label: 'two' }]);
      expect(await queryDb(db, dir, `select id from "${schema}".reads_v1`)).toEqual([{ id: 1 }]);
      expect(await queryDb(db, dir, `select id from "${schema}".reads_v3`)).toEqual([{ id: 3 }]);
      // dbt (1.8/1.9) creates no unversioned `dim` relation by itself
      const m = await manifestOf(dir);
      const v1 = m.nodes['model.t.dim.v1']!;
      expect(v1).toMatchObject({ name: 'dim', alias: 'dim_v1', version: 1, latest_version: 2, fqn: ['t', 'dim', 'v1'] });
      expect(Object.keys(v1.columns)).toEqual(['id']);
      expect(Object.keys(m.nodes['model.t.dim.v2']!.columns)).toEqual(['id', 'label']);
      expect(m.nodes['model.t.dim.v3']!.alias).toBe('dim_v3');
      expect(m.nodes['model.t.reads_latest']!.depends_on.nodes).toEqual(['model.t.dim.v2']);
      expect(m.nodes['model.t.reads_v1']!.depends_on.nodes).toEqual(['model.t.dim.v1']);
      expect(m.nodes['model.t.reads_v1']!.refs).toEqual([{ name: 'dim', package: null, version: '1' }]);
      // generic tests are attached to every version, named after <model>_v<v>
      const tests = Object.values(m.nodes).filter((n) => n.unique_id.startsWith('test.')).map((n) => n.name).sort();
      expect(tests).toEqual(['not_null_dim_v1_id', 'not_null_dim_v2_id', 'not_null_dim_v3_id']);
    });

    it('selects all versions by name, one by name.vN, and by version:latest|old|prerelease', async () => {
      const { dir, schema } = await projectFor(db, FILES);
      schemas.push(schema);
      const ls = async (...sel: string[]): Promise<string[]> => {
        const r = await strata(['ls', '--project-dir', dir, '--resource-type', 'model', '--output', 'name', '-s', ...sel]);
        expect(r.code, r.stderr).toBe(0);
        return r.stdout.trim().split('\n').filter(Boolean);
      };
      expect(await ls('dim')).toEqual(['dim.v1', 'dim.v2', 'dim.v3']);
      expect(await ls('dim.v2')).toEqual(['dim.v2']);
      expect(await ls('version:latest')).toEqual(['dim.v2']);
      expect(await ls('version:old')).toEqual(['dim.v1']);
      expect(await ls('version:prerelease')).toEqual(['dim.v3']);
      expect((await ls('dim.v1+')).sort()).toEqual(['dim.v1', 'reads_v1']);
      const run = await strata(['run', '--project-dir', dir, '-s', 'dim.v1']);
      expect(run.code, run.stderr + run.stdout).toBe(0);
      const rels = await queryDb<{ table_name: string }>(db, dir, 'select table_name from information_schema.tables where table_schema = $1', [schema]);
      expect(rels.map((x) => x.table_name)).toEqual(['dim_v1']);
    });

    it('an unknown version in ref() is a located error listing the versions, and nothing runs', async () => {
      const { dir, schema } = await projectFor(db, { ...FILES, 'models/reads_v9.sql': "select 1 as x\nfrom {{ ref('dim', v=9) }}" });
      schemas.push(schema);
      const r = await strata(['run', '--project-dir', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('models/reads_v9.sql:2:9');
      expect(r.stderr).toContain('error[ref-not-found]');
      expect(r.stderr).toContain('version 9 of');
      expect(r.stderr).toContain('versions: 1, 2, 3');
      // nothing was sent to the database: no PGlite directory, no relation on PostgreSQL
      if (db.name === 'pglite') expect(existsSync(join(dir, '.strata', 'pglite'))).toBe(false);
      else expect(await queryDb(db, dir, 'select 1 from information_schema.tables where table_schema = $1', [schema])).toEqual([]);
    });

    it('a version without a SQL file, a latest_version not among the versions and an unknown include column are located errors', async () => {
      const yml = SCHEMA_YML.replace('latest_version: 2', 'latest_version: 7').replace('exclude: [label]', 'exclude: [lable]') + '  - name: other\n    versions:\n      - v: 1\n';
      const { dir, schema } = await projectFor(db, { ...FILES, 'models/schema.yml': yml });
      schemas.push(schema);
      const r = await strata(['compile', '--project-dir', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/models\/schema\.yml:4:\d+: error\[schema-invalid\]: latest_version 7 of model 'dim' is not one of its versions \(1, 2, 3\)/);
      expect(r.stderr).toMatch(/models\/schema\.yml:13:\d+: error\[schema-invalid\]: exclude of version 1 of model 'dim' names column 'lable'/);
      expect(r.stderr).toContain("did you mean 'label'?");
      // this one is found by the compiler once the YAML itself is valid
      const fixed = await projectFor(db, { ...FILES, 'models/schema.yml': SCHEMA_YML + '  - name: other\n    versions:\n      - v: 1\n' });
      schemas.push(fixed.schema);
      const r2 = await strata(['compile', '--project-dir', fixed.dir]);
      expect(r2.code).toBe(2);
      expect(r2.stderr).toMatch(/models\/schema\.yml:20:9: error\[schema-invalid\]: version 1 of model 'other' has no SQL file: expected other_v1\.sql/);
    });
  });
}
