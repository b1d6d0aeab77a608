import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { projectFor, queryDb, strata } from '../../helpers/strata-cli.js';

const FILES: Record<string, string> = {
  'models/raw_events.sql': `{{ config(materialized='table') }}
select * from (values
  (1, date '2024-01-01', 3, 'a'), (1, date '2024-01-05', 5, 'b'), (2, date '2024-01-03', null, 'c')
) as t(customer_id, as_of, n, cat)`,
  'models/customer_daily.sql': `{{ config(materialized='feature_table', entity_keys=['customer_id'], feature_timestamp='as_of') }}
select customer_id, as_of, n, cat from {{ ref('raw_events') }}`,
  'semantic/features.yml': `entities:
  - { name: customer, join_keys: [customer_id] }
feature_views:
  - name: cf
    entity: customer
    source: ref('customer_daily')
    timestamp: as_of
    ttl: 10d
    features:
      - { name: n, type: int64, impute: mean }
      - { name: cat, type: string }
feature_services:
  - { name: svc, features: ['cf:n', 'cf:cat'] }
`,
  'labels.csv': 'customer_id,event_timestamp,label\n1,2024-01-04 12:00:00,1\n1,2024-01-06,0\n2,2024-01-20,1\n3,2024-01-06,0\n',
};

for (const db of testDatabases()) {
  describe(`strata features CLI (${db.name})`, async () => {
    const { dir, schema } = await projectFor(db, FILES);
    const p = ['--project-dir', dir];
    afterAll(async () => {
      if (db.name === 'postgres') await queryDb(db, dir, `drop schema if exists "${schema}" cascade`);
    });

    it('builds the feature table, lists the registry, writes a point-in-time CSV and serves online', async () => {
      expect((await strata(['run', ...p])).code).toBe(0);
      const idx = await queryDb<{ indexdef: string }>(db, dir, `select indexdef from pg_indexes where schemaname = $1 and tablename = 'customer_daily' order by 1`, [schema]);
      expect(idx.map((i) => i.indexdef).join('\n')).toMatch(/UNIQUE INDEX .* \(customer_id, as_of\)/);
      // Second run: incremental by event time, same rows.
      expect((await strata(['run', ...p, '-s', 'customer_daily'])).code).toBe(0);
      expect(await queryDb(db, dir, `select count(*)::int as n from "${schema}".customer_daily`)).toEqual([{ n: 3 }]);

      const list = await strata(['features', 'list', ...p, '--format', 'json']);
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout).services).toEqual([{ service: 'svc', features: 'cf:n, cf:cat' }]);
      const reg = JSON.parse(readFileSync(join(dir, 'target', 'feature_registry.json'), 'utf8'));
      expect(reg.views.cf.dependsOn).toEqual(['model.t.customer_daily']);

      const out = join(dir, 'train.csv');
      const ts = await strata(['features', 'training-set', ...p, '--entities', join(dir, 'labels.csv'), '--features', 'svc', '--out', out, '--name', 'demo']);
      expect(ts.stderr).toBe('');
      expect(ts.code).toBe(0);
      // n: mean of the non-null point-in-time values (3, 5) = 4 imputes the rest.
      expect(readFileSync(out, 'utf8')).toBe(
        'customer_id,event_timestamp,label,cf__n,cf__cat\n' +
          '1,2024-01-04 12:00:00,1,3,a\n1,2024-01-06 00:00:00,0,5,b\n2,2024-01-20 00:00:00,1,4,\n3,2024-01-06 00:00:00,0,4,\n',
      );

      expect((await strata(['features', 'materialize', ...p, '--as-of', '2024-01-06T00:00:00Z'])).code).toBe(0);
      const on = await strata(['features', 'online', ...p, '--service', 'svc', '--entity', 'customer_id=1', '--entity', 'customer_id=2', '--training-set', 'demo', '--as-of', '2024-01-06T00:00:00Z', '--format', 'json']);
      expect(on.code).toBe(0);
      const res = JSON.parse(on.stdout);
      expect(res.results[0].values['cf__n']).toEqual({ value: 5, event_timestamp: '2024-01-05T00:00:00.000Z', status: 'present' });
      expect(res.results[1].values['cf__n']).toMatchObject({ value: 4, status: 'null', imputed: true });

      const parity = await strata(['features', 'parity', ...p, '--sample', '10', '--log-format', 'json']);
      expect(parity.code).toBe(0);
      expect(parity.stderr).toContain('"mismatches":0');
    });

    it('an unknown feature is a located usage error (exit 2)', async () => {
      const r = await strata(['features', 'online', ...p, '--features', 'cf:nn', '--entity', 'customer_id=1']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("did you mean 'n'?");
    });
  });
}
