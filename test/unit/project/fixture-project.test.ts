import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadProject, resolveFolderConfig, resourceRelativePath } from '../../../src/project/index.js';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/project/dbt-jaffle');

describe('a dbt project (fixture dbt-jaffle)', () => {
  it('loads every file kind, schema files, and folder config', async () => {
    const p = await loadProject({ projectDir: FIXTURE, env: { HOME: path.join(FIXTURE, 'no-home') } });
    expect(p.warnings).toBeUndefined();
    expect(p.config).toMatchObject({ kind: 'dbt', name: 'jaffle_shop', vars: { start_date: '2018-01-01' } });
    expect(p.target).toMatchObject({ type: 'pglite', origin: 'default', path: path.join(FIXTURE, '.strata', 'pglite') });
    expect(p.models.map((m) => m.path)).toEqual(['models/marts/customers.sql', 'models/staging/stg_customers.sql', 'models/staging/stg_orders.sql']);
    expect(p.macros.map((m) => m.path)).toEqual(['macros/cents_to_dollars.sql', 'tests/generic/is_positive.sql']);
    expect(p.tests.map((m) => m.path)).toEqual(['tests/assert_no_negative_orders.sql']);
    expect(p.snapshots.map((m) => m.path)).toEqual(['snapshots/orders_snapshot.sql']);
    expect(p.docs.map((m) => m.path)).toEqual(['models/docs.md']);
    expect(p.seeds.map((m) => m.path)).toEqual(['seeds/raw_customers.csv']);
    expect(p.schemaFiles.map((f) => f.path)).toEqual(['models/marts/schema.yml', 'models/staging/schema.yml']);

    const staging = p.schemaFiles[1]!;
    expect(staging.sources.map((s) => [s.name, s.schema, s.freshness === null ? null : typeof s.freshness])).toEqual([
      ['raw_orders', 'raw', 'object'],
      ['raw_payments', 'raw', null],
    ]);
    expect(staging.models[0]?.columns[1]?.tests[0]).toMatchObject({
      name: 'accepted_values', args: { column_name: 'status', values: ['placed', 'shipped', 'completed', 'return_pending', 'returned'] },
      loc: { file: 'models/staging/schema.yml', line: 22, col: 13 },
    });

    const rel = resourceRelativePath('models/staging/stg_orders.sql', p.config.modelPaths);
    expect(resolveFolderConfig(p.config.models, p.config.name, rel)).toEqual({ materialized: 'view', tags: ['jaffle', 'staging'], schema: 'staging' });
    expect(resolveFolderConfig(p.config.models, p.config.name, 'marts/customers.sql')).toEqual({
      materialized: 'table', tags: ['jaffle'], meta: { owner: 'analytics' },
    });
  });
});
