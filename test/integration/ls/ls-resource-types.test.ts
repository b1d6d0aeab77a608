import { describe, expect, it } from 'vitest';
import { strata } from '../../helpers/strata-cli.js';
import { writeTempProject } from '../../helpers/temp-project.js';

const PROFILE = 't:\n  target: dev\n  outputs:\n    dev: {type: pglite, path: .strata/pglite, schema: main}\n';

async function project(extra: Record<string, string> = {}): Promise<string> {
  return writeTempProject({
    'strata_project.yml': 'name: t\nprofile: t\n',
    'profiles.yml': PROFILE,
    'models/stg.sql': 'select 1 as id',
    'models/dim_v1.sql': 'select 1 as id',
    'models/dim_v2.sql': 'select 2 as id',
    'seeds/codes.csv': 'code\na\n',
    'snapshots/snap.sql': "{% snapshot snap %}{{ config(unique_key='id', strategy='check', check_cols='all', target_schema='snaps') }}select * from {{ ref('stg') }}{% endsnapshot %}",
    'analyses/adhoc.sql': "select * from {{ ref('stg') }}",
    'tests/no_rows.sql': "select * from {{ ref('stg') }} where false",
    'models/schema.yml': [
      'version: 2',
      'sources: [{name: raw, tables: [{name: events}]}]',
      'models:',
      '  - name: stg',
      '    columns: [{name: id, tests: [unique]}]',
      '  - name: dim',
      '    versions: [{v: 1}, {v: 2}]',
      'exposures:',
      "  - {name: board, type: dashboard, owner: {email: a@example.com}, depends_on: [\"ref('dim', v=1)\"]}",
      'saved_queries:',
      '  - {name: weekly_q, query_params: {metrics: [n_stg]}}',
      '',
    ].join('\n'),
    'semantic/m.yml': [
      'semantic_models:',
      "  - {name: stgs, model: ref('stg'), primary_key: id, measures: [{name: n, agg: count, expr: id}]}",
      'metrics:',
      '  - {name: n_stg, type: simple, measure: stgs.n}',
      '',
    ].join('\n'),
    'semantic/features.yml': [
      'entities:',
      '  - {name: thing, join_keys: [id]}',
      'feature_views:',
      "  - {name: thing_stats, entities: [thing], source: ref('stg'), timestamp_field: ts, features: [{name: id_f, expr: id}]}",
      '',
    ].join('\n'),
    ...extra,
  });
}

const ls = async (dir: string, ...args: string[]): Promise<{ code: number; lines: string[]; stderr: string }> => {
  const r = await strata(['ls', '--project-dir', dir, ...args]);
  return { code: r.code, lines: r.stdout.trim().split('\n').filter(Boolean), stderr: r.stderr };
};

describe('ls --resource-type', () => {
  it('lists each resource type in name, path, selector and json output', async () => {
    const dir = await project();
    const by = async (type: string, output = 'name'): Promise<string[]> => {
      const r = await ls(dir, '--resource-type', type, '--output', output);
      expect(r.code, r.stderr).toBe(0);
      return r.lines;
    };
    expect(await by('model')).toEqual(['dim.v1', 'dim.v2', 'stg']);
    expect(await by('model', 'selector')).toEqual(['t.dim.v1', 't.dim.v2', 't.stg']);
    expect(await by('seed')).toEqual(['codes']);
    expect(await by('snapshot')).toEqual(['snap']);
    expect(await by('analysis')).toEqual(['adhoc']);
    expect((await by('test')).sort()).toEqual(['no_rows', 'unique_stg_id']);
    expect(await by('source', 'selector')).toEqual(['source:t.raw.events']);
    expect(await by('exposure', 'selector')).toEqual(['exposure:t.board']);
    expect(await by('exposure', 'path')).toEqual(['models/schema.yml']);
    expect(await by('metric')).toEqual(['n_stg']);
    expect(await by('metric', 'selector')).toEqual(['metric:t.n_stg']);
    expect(await by('semantic_model', 'path')).toEqual(['semantic/m.yml']);
    expect(await by('saved_query')).toEqual(['weekly_q']);
    expect(await by('feature_view')).toEqual(['thing_stats']);
    const json = (await by('exposure', 'json')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json).toEqual([expect.objectContaining({ name: 'board', resource_type: 'exposure', unique_id: 'exposure.t.board', depends_on: { nodes: ['model.t.dim.v1'], macros: [] } })]);
    const metric = (await by('metric', 'json')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(metric).toEqual([expect.objectContaining({ name: 'n_stg', resource_type: 'metric', unique_id: 'metric.t.n_stg', original_file_path: 'semantic/m.yml' })]);
    const models = (await by('model', 'json')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(models[0]).toMatchObject({ unique_id: 'model.t.dim.v1', version: 1, latest_version: 2 });
    // several types at once, and a YAML-only resource selected by name
    expect(await by('seed')).toEqual(['codes']);
    const two = await ls(dir, '--resource-type', 'metric', 'exposure', '--output', 'name');
    expect(two.lines).toEqual(['board', 'n_stg']);
    const sel = await ls(dir, '--resource-type', 'metric', '-s', 'n_*', '--output', 'name');
    expect(sel.lines).toEqual(['n_stg']);
  });

  it('an unknown resource type is an exit-2 error listing the valid ones', async () => {
    const dir = await project();
    const r = await ls(dir, '--resource-type', 'modle');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error[selector-invalid]: unknown resource type 'modle' for --resource-type");
    expect(r.stderr).toContain('valid resource types: model, seed, snapshot, test, unit_test, source, analysis, exposure, metric, semantic_model, saved_query, feature_view');
  });
});
