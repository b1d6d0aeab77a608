import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveFolderConfig } from '../../../src/project/index.js';
import { loadErrors, loadFiles } from './load-helpers.js';

const DBT_PROJECT = `name: shop
version: '1.0.0'
config-version: 2
profile: shop_profile
model-paths: ["models", "more_models/"]
seed-paths: [data]
vars:
  start_date: '2024-01-01'
  shop:
    region: eu
on-run-start: "create schema if not exists audit"
on-run-end:
  - "grant usage on schema {{ target.schema }} to reporter"
models:
  shop:
    +materialized: view
    staging:
      materialized: table
      +tags: [stg]
require-dbt-version: [">=1.5.0", "<2.0.0"]
clean-targets: [target, dbt_packages]
dispatch:
  - macro_namespace: dbt_utils
    search_order: [shop, dbt_utils]
query-comment: "run by strata"
flags:
  send_anonymous_usage_stats: false
`;

describe('project file', () => {
  it('reads dbt_project.yml with dbt semantics and defaults', async () => {
    const p = await loadFiles({ 'dbt_project.yml': DBT_PROJECT });
    const c = p.config;
    expect(c.kind).toBe('dbt');
    expect(c.file).toBe(path.join(p.root, 'dbt_project.yml'));
    expect(c.name).toBe('shop');
    expect(c.version).toBe('1.0.0');
    expect(c.profile).toBe('shop_profile');
    expect(c.modelPaths).toEqual(['models', 'more_models']);
    expect(c.seedPaths).toEqual(['data']);
    expect(c.snapshotPaths).toEqual(['snapshots']);
    expect(c.macroPaths).toEqual(['macros']);
    expect(c.testPaths).toEqual(['tests']);
    expect(c.analysisPaths).toEqual(['analyses']);
    expect(c.semanticPaths).toEqual(['semantic']);
    expect(c.docsPaths).toEqual(['models', 'more_models', 'data', 'snapshots', 'macros', 'analyses']);
    expect(c.targetPath).toBe('target');
    expect(c.vars).toEqual({ start_date: '2024-01-01', shop: { region: 'eu' } });
    expect(c.onRunStart).toEqual(['create schema if not exists audit']);
    expect(c.onRunEnd).toEqual(['grant usage on schema {{ target.schema }} to reporter']);
    expect(c.raw['query-comment']).toBe('run by strata');
    expect(c.raw.dispatch).toEqual([{ macro_namespace: 'dbt_utils', search_order: ['shop', 'dbt_utils'] }]);
    expect(c.raw.flags).toEqual({ send_anonymous_usage_stats: false });
    expect(p.warnings ?? []).toEqual([]);
    expect(resolveFolderConfig(c.models, 'shop', 'staging/stg_orders.sql')).toEqual({ materialized: 'table', tags: ['stg'] });
  });

  it('defaults the profile to the project name', async () => {
    const p = await loadFiles({ 'dbt_project.yml': 'name: shop\n' });
    expect(p.config.profile).toBe('shop');
    expect(p.config.version).toBeUndefined();
    expect(p.config.onRunStart).toEqual([]);
  });

  it('prefers strata_project.yml over dbt_project.yml', async () => {
    const p = await loadFiles({
      'strata_project.yml': 'name: strata_one\nsemantic-paths: [sem]\n',
      'dbt_project.yml': 'name: dbt_one\n',
    });
    expect(p.config.kind).toBe('strata');
    expect(p.config.name).toBe('strata_one');
    expect(p.config.semanticPaths).toEqual(['sem']);
  });

  it('reads dbt < 1.0 source-paths / data-paths', async () => {
    const p = await loadFiles({ 'dbt_project.yml': 'name: old\nsource-paths: [src]\ndata-paths: [csv]\n' });
    expect(p.config.modelPaths).toEqual(['src']);
    expect(p.config.seedPaths).toEqual(['csv']);
  });

  it('warns about an unknown top-level key with did-you-mean, at its line', async () => {
    const p = await loadFiles({ 'dbt_project.yml': 'name: shop\n\nmodel-path: [models]\n' });
    expect(p.warnings).toEqual([
      expect.objectContaining({
        code: 'config-unknown-key',
        severity: 'warning',
        file: 'dbt_project.yml',
        line: 3,
        col: 1,
        hint: "did you mean 'model-paths'?",
      }),
    ]);
  });

  it('reports project-not-found naming the directory and suggesting strata init', async () => {
    const ds = await loadErrors({ 'models/a.sql': 'select 1' });
    expect(ds).toHaveLength(1);
    expect(ds[0]?.code).toBe('project-not-found');
    expect(ds[0]?.message).toMatch(/strata-test-/);
    expect(ds[0]?.hint).toMatch(/strata init/);
  });

  it('reports a bad materialized at its exact line (config-invalid)', async () => {
    const ds = await loadErrors({
      'dbt_project.yml': ['name: shop', 'profile: shop', '', 'models:', '  shop:', '    staging:', '      +materialized: 5', ''].join('\n'),
    });
    expect(ds).toEqual([
      expect.objectContaining({ code: 'config-invalid', file: 'dbt_project.yml', line: 7, col: 22 }),
    ]);
    expect(ds[0]?.message).toMatch(/materialized/);
  });

  it('reports several problems together', async () => {
    const ds = await loadErrors({
      'dbt_project.yml': 'name: shop\nmodels:\n  shop:\n    +enabled: "yes"\n    +tags: 7\n',
      'models/s.yml': 'models:\n  - description: no name\n',
    }, { vars: '[1, 2]' });
    expect(ds.map((d) => [d.code, d.file, d.line])).toEqual([
      ['vars-invalid', undefined, undefined],
      ['config-invalid', 'dbt_project.yml', 4],
      ['config-invalid', 'dbt_project.yml', 5],
      ['schema-invalid', 'models/s.yml', 2],
    ]);
  });

  it('reports project-invalid for a bad name, at its line', async () => {
    const ds = await loadErrors({ 'dbt_project.yml': 'version: 1\nname: 9-shop\n' });
    expect(ds).toEqual([expect.objectContaining({ code: 'project-invalid', file: 'dbt_project.yml', line: 2, col: 7 })]);
  });

  it('reports project-invalid for a missing name and for wrongly typed paths', async () => {
    const ds = await loadErrors({ 'dbt_project.yml': 'profile: x\nmodel-paths: 5\n' });
    expect(ds.map((d) => [d.code, d.line])).toEqual([
      ['project-invalid', 1],
      ['project-invalid', 2],
    ]);
  });

  it('reports YAML syntax errors with line and column', async () => {
    const ds = await loadErrors({ 'dbt_project.yml': 'name: shop\nmodels:\n  shop: [unclosed\n' });
    expect(ds[0]).toMatchObject({ code: 'yaml-syntax', file: 'dbt_project.yml' });
    expect(ds[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it('reports duplicate keys as yaml-syntax at the duplicate', async () => {
    const ds = await loadErrors({ 'dbt_project.yml': 'name: shop\nprofile: a\nprofile: b\n' });
    expect(ds[0]).toMatchObject({ code: 'yaml-syntax', file: 'dbt_project.yml', line: 3 });
  });

  it("renders {{ env_var('X', 'default') }} in the project file but leaves hooks to the compiler", async () => {
    const p = await loadFiles(
      {
        'dbt_project.yml': [
          "name: shop",
          "profile: \"{{ env_var('SHOP_PROFILE', 'fallback') }}\"",
          "target-path: \"{{ env_var('OUT') }}\"",
          "on-run-end: \"select '{{ env_var('NOT_SET_HOOK') }}'\"",
        ].join('\n'),
      },
      { env: { OUT: 'build' } },
    );
    expect(p.config.profile).toBe('fallback');
    expect(p.config.targetPath).toBe('build');
    expect(p.config.onRunEnd).toEqual(["select '{{ env_var('NOT_SET_HOOK') }}'"]);
  });

  it('reports env-var-undefined in the project file at its line', async () => {
    const ds = await loadErrors({
      'dbt_project.yml': "name: shop\nvars:\n  later: \"{{ env_var('VARS_ARE_RENDERED_LATER') }}\"\nmodels:\n  shop:\n    +schema: \"{{ env_var('MISSING_VAR') }}\"\n    +post-hook: \"{{ env_var('HOOK_LATER') }}\"\n",
    });
    expect(ds).toEqual([expect.objectContaining({ code: 'env-var-undefined', file: 'dbt_project.yml', line: 6, col: 14 })]);
    expect(ds[0]?.message).toMatch(/MISSING_VAR/);
  });

  it('keeps the seeds/snapshots/tests folder trees', async () => {
    const p = await loadFiles({
      'dbt_project.yml': 'name: shop\nseeds:\n  shop:\n    +schema: raw\n    +column_types: {id: bigint}\nsnapshots:\n  shop:\n    +target_schema: snaps\ndata_tests:\n  +severity: warn\n',
    });
    expect(resolveFolderConfig(p.config.seeds, 'shop', 'countries.csv')).toEqual({ schema: 'raw', column_types: { id: 'bigint' } });
    expect(resolveFolderConfig(p.config.snapshots, 'shop', 'orders_snapshot.sql')).toEqual({ target_schema: 'snaps' });
    expect(resolveFolderConfig(p.config.tests, 'shop', 'assert_x.sql')).toEqual({ severity: 'warn' });
  });
});
