import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata } from '../../helpers/strata-cli.js';

const EXPOSURES = [
  'exposures:',
  '  - name: weekly_kpis',
  '    label: Weekly KPIs',
  '    type: dashboard',
  '    maturity: high',
  '    url: https://bi.example.com/weekly',
  '    description: Revenue each week',
  '    tags: [finance]',
  '    owner: {name: Ann, email: ann@example.com}',
  '    depends_on:',
  "      - ref('orders')",
  "      - source('raw', 'customers')",
  '',
].join('\n');

const FILES = {
  'models/stg.sql': "{{ config(materialized='table') }}\nselect 1 as id, 10 as amount",
  'models/orders.sql': "{{ config(materialized='table') }}\nselect * from {{ ref('stg') }}",
  'models/unrelated.sql': "{{ config(materialized='table') }}\nselect 2 as id",
  'models/schema.yml': ['version: 2', 'sources:', '  - name: raw', '    schema: public', '    tables: [{name: customers}]', EXPOSURES].join('\n'),
};

for (const db of testDatabases()) {
  describe(`exposures on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('are in the manifest with depends_on resolved, and +exposure:x runs exactly its upstream models', async () => {
      const { dir, schema } = await projectFor(db, FILES);
      schemas.push(schema);
      const r = await strata(['run', '--project-dir', dir, '-s', '+exposure:weekly_kpis']);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const rels = await queryDb<{ table_name: string }>(db, dir, 'select table_name from information_schema.tables where table_schema = $1 order by 1', [schema]);
      expect(rels.map((x) => x.table_name)).toEqual(['orders', 'stg']);
      const m = JSON.parse(await readFile(join(dir, 'target', 'manifest.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
      expect(m['exposures']!['exposure.t.weekly_kpis']).toMatchObject({
        resource_type: 'exposure',
        name: 'weekly_kpis',
        label: 'Weekly KPIs',
        type: 'dashboard',
        maturity: 'high',
        url: 'https://bi.example.com/weekly',
        owner: { name: 'Ann', email: 'ann@example.com' },
        tags: ['finance'],
        original_file_path: 'models/schema.yml',
        depends_on: { nodes: ['model.t.orders', 'source.t.raw.customers'], macros: [] },
      });
      expect(m['parent_map']!['exposure.t.weekly_kpis']).toEqual(['model.t.orders', 'source.t.raw.customers']);
      expect(m['child_map']!['model.t.orders']).toContain('exposure.t.weekly_kpis');
      const ls = await strata(['ls', '--project-dir', dir, '-s', 'exposure:weekly_kpis']);
      expect(ls.stdout.trim()).toBe('exposure:t.weekly_kpis');
    });

    it('an unknown ref, a bad type and a missing owner are located errors', async () => {
      const bad = EXPOSURES.replace("ref('orders')", "ref('ordres')")
        + '  - name: nb\n    type: spreadsheet\n    owner: {name: Bo}\n  - name: ml_thing\n    type: ml\n';
      const { dir, schema } = await projectFor(db, { ...FILES, 'models/schema.yml': FILES['models/schema.yml'].replace(EXPOSURES, bad) });
      schemas.push(schema);
      const r = await strata(['run', '--project-dir', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/models\/schema\.yml:19:11: error\[exposure-invalid\]: exposure 'nb'\.type: type must be one of dashboard, notebook, analysis, ml, application/);
      expect(r.stderr).toMatch(/models\/schema\.yml:21:5: error\[exposure-invalid\]: exposure 'ml_thing'\.owner: an exposure needs an owner/);
      const fixedTypes = FILES['models/schema.yml'].replace(EXPOSURES, EXPOSURES.replace("ref('orders')", "ref('ordres')"));
      const p2 = await projectFor(db, { ...FILES, 'models/schema.yml': fixedTypes });
      schemas.push(p2.schema);
      const r2 = await strata(['run', '--project-dir', p2.dir]);
      expect(r2.code).toBe(2);
      expect(r2.stderr).toMatch(/models\/schema\.yml:16:9: error\[ref-not-found\]: exposure 'weekly_kpis' depends on 'ordres', which does not exist/);
      expect(r2.stderr).toContain("did you mean 'orders'?");
      if (db.name === 'pglite') expect(existsSync(join(p2.dir, '.strata', 'pglite'))).toBe(false);
      else expect(await queryDb(db, p2.dir, 'select 1 from information_schema.tables where table_schema = $1', [p2.schema])).toEqual([]);
    });
  });
}
