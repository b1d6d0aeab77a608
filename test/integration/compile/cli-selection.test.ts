// Selection through the CLI (`ls`), state:modified, init/debug/ls outputs, --log-format json.
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTempProject } from '../../helpers/temp-project.js';
import { cli, copyExampleProject } from './helpers.js';

const FILES: Record<string, string> = {
  'strata_project.yml': 'name: shop\nprofile: shop\nvars:\n  cutoff: 1\nmodels:\n  shop:\n    gold:\n      +tags: [gold]\n',
  'macros/m.sql': '{% macro money(c) %}{{ c }} / 100{% endmacro %}\n',
  'models/staging/stg_a.sql': 'select 1 as id',
  'models/staging/stg_b.sql': 'select {{ money("x") }} as y',
  'models/gold/fct.sql': 'select * from {{ ref("stg_a") }} join {{ ref("stg_b") }} using (id) where id > {{ var("cutoff") }}',
  'models/gold/dim.sql': 'select * from {{ ref("stg_a") }}',
  'models/schema.yml': 'version: 2\nmodels:\n  - name: dim\n    config:\n      materialized: table\n    columns:\n      - name: id\n        tests: [unique]\n',
};

async function names(dir: string, ...args: string[]): Promise<string[]> {
  const r = await cli(['ls', '--project-dir', dir, '--output', 'name', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
}

describe('ls selection', () => {
  it('dbt selection syntax', async () => {
    const dir = await writeTempProject(FILES);
    expect(await names(dir, '-s', '+fct')).toEqual(['fct', 'stg_a', 'stg_b']);
    expect(await names(dir, '-s', 'stg_a+', '--exclude', 'resource_type:test')).toEqual(['dim', 'fct', 'stg_a']);
    expect(await names(dir, '-s', 'tag:gold', '--exclude', 'dim')).toEqual(['fct']);
    expect(await names(dir, '-s', 'path:models/staging')).toEqual(['stg_a', 'stg_b']);
    // Tests whose parents are all selected come along (dbt's eager indirect selection).
    expect(await names(dir, '-s', 'tag:gold,config.materialized:table')).toEqual(['dim', 'unique_dim_id']);
    expect(await names(dir, '-s', 'stg_b', 'dim', '--exclude', 'resource_type:test')).toEqual(['dim', 'stg_b']);
    expect(await names(dir, '-s', 'resource_type:test')).toEqual(['unique_dim_id']);
    const bad = await cli(['ls', '--project-dir', dir, '-s', 'nosuch:thing']);
    expect(bad.code).toBe(2);
  });

  it('state:modified after editing a model, a macro, a var and a YAML config', async () => {
    const dir = await writeTempProject(FILES);
    expect((await cli(['compile', '--project-dir', dir])).code).toBe(0);
    const state = await mkdtemp(path.join(os.tmpdir(), 'strata-state-'));
    await cp(path.join(dir, 'target'), state, { recursive: true });
    const modified = (): Promise<string[]> => names(dir, '-s', 'state:modified', '--state', state, '--exclude', 'resource_type:test');

    expect(await modified()).toEqual([]);
    await writeFile(path.join(dir, 'models/staging/stg_a.sql'), 'select 2 as id');
    expect(await modified()).toEqual(['stg_a']);
    expect(await names(dir, '-s', 'state:modified+', '--state', state)).toEqual(['dim', 'fct', 'stg_a', 'unique_dim_id']);
    await writeFile(path.join(dir, 'models/staging/stg_a.sql'), FILES['models/staging/stg_a.sql']!);

    await writeFile(path.join(dir, 'macros/m.sql'), '{% macro money(c) %}{{ c }} / 100.0{% endmacro %}\n');
    expect(await modified()).toEqual(['stg_b']);
    await writeFile(path.join(dir, 'macros/m.sql'), FILES['macros/m.sql']!);

    expect(await names(dir, '-s', 'state:modified', '--state', state, '--vars', '{cutoff: 2}')).toEqual(['fct']);

    await writeFile(path.join(dir, 'models/schema.yml'), FILES['models/schema.yml']!.replace('table', 'view'));
    expect(await modified()).toEqual(['dim']);
  });

  it('--state without a manifest is a located usage error (exit 2)', async () => {
    const dir = await writeTempProject(FILES);
    const r = await cli(['ls', '--project-dir', dir, '-s', 'state:modified', '--state', path.join(dir, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('state-invalid');
  });
});

describe('CLI commands', () => {
  it('ls outputs name, path and json', async () => {
    const dir = await writeTempProject(FILES);
    const p = await cli(['ls', '--project-dir', dir, '-s', 'fct', '--output', 'path']);
    expect(p.stdout.trim()).toBe('models/gold/fct.sql');
    const j = await cli(['ls', '--project-dir', dir, '-s', 'fct', '--output', 'json']);
    const row = JSON.parse(j.stdout.trim().split('\n')[0]!) as Record<string, unknown>;
    expect(row).toMatchObject({ name: 'fct', resource_type: 'model', unique_id: 'model.shop.fct' });
  });

  it('--log-format json prints only JSON events', async () => {
    const dir = await writeTempProject(FILES);
    const r = await cli(['compile', '--project-dir', dir, '--log-format', 'json']);
    expect(r.code).toBe(0);
    const lines = `${r.stdout}${r.stderr}`.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(() => JSON.parse(l) as unknown, l).not.toThrow();
    expect(lines.some((l) => (JSON.parse(l) as { nodes?: number }).nodes === 5)).toBe(true);
  });

  it('init scaffolds a project that compiles', async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'strata-init-'));
    const r = await cli(['init', 'newproj', '--project-dir', path.join(parent, 'newproj')]);
    expect(r.code, r.stderr).toBe(0);
    const c = await cli(['compile', '--project-dir', path.join(parent, 'newproj')]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/Compiled \d+ nodes/);
    expect(existsSync(path.join(parent, 'newproj/target/manifest.json'))).toBe(true);
  });

  it('debug --config-only reports the project and target without connecting', async () => {
    const dir = await copyExampleProject();
    const r = await cli(['debug', '--config-only', '--project-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('shop');
    expect(existsSync(path.join(dir, '.strata'))).toBe(false);
  });

  it('compile -s <one model> prints its SQL', async () => {
    const dir = await writeTempProject(FILES);
    const r = await cli(['compile', '--project-dir', dir, '-s', 'stg_b']);
    expect(r.stdout.split('\n')[0]).toBe('select x / 100 as y');
    const m = JSON.parse(await readFile(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, unknown> };
    expect(Object.keys(m.nodes).length).toBe(5);
  });
});
