// Incremental compile: only nodes whose inputs changed re-render; artifacts stay correct.
import { readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../src/compiler/index.js';
import { writeTempProject } from '../../helpers/temp-project.js';
import { cli, compileStats } from './helpers.js';

const FILES: Record<string, string> = {
  'strata_project.yml': 'name: shop\nprofile: shop\nvars:\n  limit: 10\n',
  'profiles.yml':
    'shop:\n  target: dev\n  outputs:\n    dev: {type: pglite, schema: analytics}\n    prod: {type: pglite, schema: analytics, threads: 8}\n    other: {type: pglite, schema: other}\n',
  'macros/money.sql': '{% macro cents(c) %}{{ c }} / 100{% endmacro %}\n',
  'macros/other.sql': '{% macro other() %}1{% endmacro %}\n',
  'models/a.sql': 'select 1 as id, {{ cents("x") }} as amount',
  'models/b.sql': 'select * from {{ ref("a") }} limit {{ var("limit") }}',
  'models/c.sql': 'select * from {{ ref("a") }} where t = \'{{ target.name }}\'',
  'models/d.sql': 'select {{ other() }} as one from {{ ref("b") }}',
  'models/e.sql': 'select 2 as two',
};

async function compile(dir: string, ...extra: string[]): Promise<ReturnType<typeof compileStats>> {
  const r = await cli(['compile', '--project-dir', dir, ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return compileStats(r.stdout);
}

const manifestOf = async (dir: string): Promise<Manifest> =>
  JSON.parse(await readFile(path.join(dir, 'target/manifest.json'), 'utf8')) as Manifest;

describe('incremental compile', () => {
  it('renders nothing the second time, and only what changed after each edit', async () => {
    const dir = await writeTempProject(FILES);
    expect(await compile(dir)).toEqual({ nodes: 5, rendered: 5, unchanged: 0, written: 5 });
    expect(await compile(dir)).toEqual({ nodes: 5, rendered: 0, unchanged: 5, written: 0 });

    await writeFile(path.join(dir, 'models/e.sql'), 'select 3 as three');
    expect(await compile(dir)).toMatchObject({ rendered: 1, unchanged: 4, written: 1 });
    expect(await readFile(path.join(dir, 'target/compiled/shop/models/e.sql'), 'utf8')).toBe('select 3 as three');

    // --vars: only b reads `limit`.
    expect(await compile(dir, '--vars', '{limit: 5}')).toMatchObject({ rendered: 1, written: 1 });
    expect((await manifestOf(dir)).nodes['model.shop.b']?.compiled_code).toMatch(/limit 5$/);
    expect(await compile(dir, '--vars', '{limit: 5}')).toMatchObject({ rendered: 0 });

    // A macro edit re-renders only the node that called it.
    await writeFile(path.join(dir, 'macros/money.sql'), '{% macro cents(c) %}{{ c }} / 100.0{% endmacro %}\n');
    expect(await compile(dir, '--vars', '{limit: 5}')).toMatchObject({ rendered: 1, written: 1 });

    // --target with the same schema: only c reads target.
    expect(await compile(dir, '--vars', '{limit: 5}', '--target', 'prod')).toMatchObject({ rendered: 1, unchanged: 4 });
    expect((await manifestOf(dir)).nodes['model.shop.c']?.compiled_code).toContain("t = 'prod'");
    // A target with another schema changes every relation name (node identity is in the key).
    await compile(dir, '--vars', '{limit: 5}', '--target', 'other');
    const m = await manifestOf(dir);
    expect(m.nodes['model.shop.b']?.compiled_code).toContain('"postgres"."other"."a"');
    expect(m.nodes['model.shop.c']?.compiled_code).toContain("t = 'other'");
  });

  it('deleting a model removes it; --no-cache renders everything', async () => {
    const dir = await writeTempProject(FILES);
    await compile(dir);
    await rm(path.join(dir, 'models/e.sql'));
    expect(await compile(dir)).toMatchObject({ nodes: 4, rendered: 0 });
    expect((await manifestOf(dir)).nodes['model.shop.e']).toBeUndefined();
    expect(await compile(dir, '--no-cache')).toMatchObject({ nodes: 4, rendered: 4 });
  });

  it('a compiled file changed by a --no-cache run is rewritten correctly afterwards', async () => {
    const dir = await writeTempProject(FILES);
    await compile(dir);
    const file = path.join(dir, 'target/compiled/shop/models/e.sql');
    await writeFile(path.join(dir, 'models/e.sql'), 'select 9 as nine');
    await compile(dir, '--no-cache');
    expect(await readFile(file, 'utf8')).toBe('select 9 as nine');
    await writeFile(path.join(dir, 'models/e.sql'), 'select 2 as two');
    await compile(dir);
    expect(await readFile(file, 'utf8')).toBe('select 2 as two');
  });

  it('a warm compile with no change leaves manifest.json in place, and rewrites it when deleted', async () => {
    const dir = await writeTempProject(FILES);
    await compile(dir);
    const mf = path.join(dir, 'target/manifest.json');
    await rm(mf);
    expect(await compile(dir)).toMatchObject({ rendered: 0 });
    expect(existsSync(mf)).toBe(true);
    expect(Object.keys((await manifestOf(dir)).nodes)).toHaveLength(5);
    // A schema YAML change (description only) must reach the manifest although nothing renders.
    await appendFile(path.join(dir, 'models/schema.yml'), 'version: 2\nmodels:\n  - name: e\n    description: the two\n');
    expect(await compile(dir)).toMatchObject({ rendered: 0 });
    expect((await manifestOf(dir)).nodes['model.shop.e']?.description).toBe('the two');
  });
});
