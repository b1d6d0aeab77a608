import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CompileError } from '../../../src/diagnostics/index.js';
import { loadProject, scaffoldProject } from '../../../src/project/index.js';
import { writeTempProject } from '../../helpers/temp-project.js';

describe('scaffoldProject', () => {
  it('writes a small project that loads cleanly on the embedded database', async () => {
    const dir = path.join(await writeTempProject({}), 'shop');
    const written = await scaffoldProject(dir, 'shop');
    expect(written).toContain('strata_project.yml');
    expect(written).toContain('.gitignore');
    const p = await loadProject({ projectDir: dir, env: { HOME: dir } });
    expect(p.warnings).toBeUndefined();
    expect(p.config).toMatchObject({ kind: 'strata', name: 'shop', profile: 'shop' });
    expect(p.target).toMatchObject({ type: 'pglite', name: 'dev', path: path.join(dir, '.strata', 'pglite'), origin: path.join(dir, 'profiles.yml') });
    expect(p.models.map((m) => m.path)).toEqual(['models/example/my_first_model.sql', 'models/example/my_second_model.sql']);
    expect(p.schemaFiles[0]?.models.map((m) => m.name)).toEqual(['my_first_model', 'my_second_model']);
    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).toContain('.strata/');
    // npm install then `npx strata` runs this package's bin, never the registry's unrelated `strata`
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'shop', private: true, scripts: { build: 'strata build' } });
    expect(Object.keys(pkg.devDependencies)).toEqual(['strata-sql']);
    expect(pkg.devDependencies['strata-sql']).toBe(`file:${path.resolve(import.meta.dirname, '..', '..', '..')}`);
  });

  it('depends on Strata the way the enclosing npm project does, and keeps an existing package.json', async () => {
    const parent = await writeTempProject({
      'package.json': JSON.stringify({ name: 'ws', devDependencies: { 'strata-sql': 'file:vendor/strata-sql-0.1.0.tgz' } }),
      'shop/package.json': JSON.stringify({ name: 'mine', scripts: { build: 'make' }, dependencies: { left: '1.0.0' } }),
    });
    await scaffoldProject(path.join(parent, 'shop'), 'shop');
    const pkg = JSON.parse(await readFile(path.join(parent, 'shop', 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'mine', scripts: { build: 'make', test: 'strata test' }, dependencies: { left: '1.0.0' } });
    expect(pkg.devDependencies).toEqual({ 'strata-sql': 'file:../vendor/strata-sql-0.1.0.tgz' });
  });

  it('refuses to overwrite an existing project (project-invalid)', async () => {
    const dir = await writeTempProject({ 'dbt_project.yml': 'name: old\n' });
    await expect(scaffoldProject(dir, 'shop')).rejects.toSatisfy(
      (e: unknown) => e instanceof CompileError && e.diagnostics[0]?.code === 'project-invalid',
    );
    expect(await readFile(path.join(dir, 'dbt_project.yml'), 'utf8')).toBe('name: old\n');
  });

  it('rejects an invalid project name', async () => {
    const dir = await writeTempProject({});
    await expect(scaffoldProject(dir, 'my-shop')).rejects.toBeInstanceOf(CompileError);
  });
});
