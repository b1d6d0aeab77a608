import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, strata, uniqueSchema } from '../../helpers/strata-cli.js';

interface SourcesJson {
  metadata: { dbt_schema_version: string };
  results: {
    unique_id: string;
    status: string;
    max_loaded_at_time_ago_in_s: number | null;
    criteria: { warn_after: { count: number; period: string } | null; error_after: { count: number; period: string } | null };
  }[];
}

function files(schema: string): Record<string, string> {
  return {
    // Controlled timestamps: the newest row is exactly `age` old when the model is built.
    'models/raw_events.sql': "{{ config(materialized='table') }}\nselect 1 as id, now() - interval '{{ var(\"age\", \"2 hours\") }}' as loaded_at",
    'models/daily_summary.sql': "{{ config(materialized='table') }}\nselect max(loaded_at) as refreshed_at from {{ ref('raw_events') }}",
    'models/schema.yml': [
      'version: 2',
      'sources:',
      '  - name: raw',
      `    schema: ${schema}`,
      '    loaded_at_field: loaded_at',
      '    freshness:',
      '      warn_after: {count: 1, period: hour}',
      '      error_after: {count: 3, period: hour}',
      '    tables:',
      '      - name: events',
      '        identifier: raw_events',
      '      - name: unmonitored',
      '        identifier: raw_events',
      '        freshness: null',
      'models:',
      '  - name: daily_summary',
      '    config:',
      '      loaded_at_field: refreshed_at',
      '      freshness:',
      '        warn_after: {count: 1, period: day}',
      '',
    ].join('\n'),
  };
}

for (const db of testDatabases()) {
  describe(`source freshness on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('pass, warn and error against warn_after/error_after; writes target/sources.json; exit 1 on error', async () => {
      const schema = uniqueSchema();
      schemas.push(schema);
      const { dir } = await projectFor(db, files(schema), schema);
      const sources = async (): Promise<SourcesJson> => JSON.parse(await readFile(join(dir, 'target', 'sources.json'), 'utf8')) as SourcesJson;

      expect((await strata(['run', '--project-dir', dir, '--vars', '{age: 10 minutes}'])).code).toBe(0);
      let r = await strata(['source', 'freshness', '--project-dir', dir]);
      expect(r.code).toBe(0);
      let body = await sources();
      expect(body.metadata.dbt_schema_version).toBe('https://schemas.getdbt.com/dbt/sources/v3.json');
      expect(body.results.map((x) => [x.unique_id, x.status])).toEqual([
        ['source.t.raw.events', 'pass'],
        ['model.t.daily_summary', 'pass'],
      ]);
      const age = body.results[0]!.max_loaded_at_time_ago_in_s!;
      expect(age).toBeGreaterThan(600 - 5);
      expect(age).toBeLessThan(600 + 120);
      expect(body.results[0]!.criteria.error_after).toEqual({ count: 3, period: 'hour' });

      expect((await strata(['run', '--project-dir', dir, '--vars', '{age: 2 hours}'])).code).toBe(0);
      r = await strata(['source', 'freshness', '--project-dir', dir]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/WARN\s+source\.t\.raw\.events: newest row is 2h old \(warn after 1 hour, error after 3 hours\)/);

      expect((await strata(['run', '--project-dir', dir, '--vars', '{age: 2 days}'])).code).toBe(0);
      r = await strata(['source', 'freshness', '--project-dir', dir]);
      expect(r.code).toBe(1);
      body = await sources();
      expect(body.results.map((x) => x.status)).toEqual(['error', 'warn']);

      // Selection works as for other commands.
      r = await strata(['source', 'freshness', '--project-dir', dir, '--select', 'daily_summary']);
      expect(r.code).toBe(0);
      expect((await sources()).results.map((x) => x.unique_id)).toEqual(['model.t.daily_summary']);
    });

    it('freshness without loaded_at_field is a located config error (exit 2)', async () => {
      const schema = uniqueSchema();
      schemas.push(schema);
      const { dir } = await projectFor(
        db,
        {
          'models/m.sql': 'select 1 as id',
          'models/schema.yml': 'version: 2\nmodels:\n  - name: m\n    config:\n      freshness: {warn_after: {count: 1, period: hour}}\n',
        },
        schema,
      );
      const r = await strata(['source', 'freshness', '--project-dir', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('config-invalid');
      expect(r.stderr).toContain('model.t.m declares freshness but no loaded_at_field');
      expect(r.stderr).toMatch(/models\/schema\.yml:3/);
    });
  });
}
