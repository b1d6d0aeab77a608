import { existsSync } from 'node:fs';
import { lstat, mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { strata } from '../helpers/strata-cli.js';
import { writeTempProject } from '../helpers/temp-project.js';

const built = {
  'target/manifest.json': '{}',
  'target/compiled/m.sql': 'select 1',
  'dbt_packages/pkg/dbt_project.yml': 'name: pkg\n',
  'models/m.sql': 'select 1',
  'logs/strata.log': 'x',
};

describe('strata clean', () => {
  it('removes only the target path when clean-targets is absent (dbt default)', async () => {
    const root = await writeTempProject({ 'dbt_project.yml': 'name: shop\n', ...built });
    const r = await strata(['clean', '--project-dir', root]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Cleaned target/*');
    expect(existsSync(path.join(root, 'target'))).toBe(false);
    expect(existsSync(path.join(root, 'dbt_packages', 'pkg', 'dbt_project.yml'))).toBe(true);
    expect(existsSync(path.join(root, 'models', 'm.sql'))).toBe(true);
  });

  it('removes every clean target, honours target-path, and reports missing ones', async () => {
    const root = await writeTempProject({ 'dbt_project.yml': 'name: shop\ntarget-path: out\nclean-targets: [out, dbt_packages, logs, never_built]\n', 'out/x.json': '{}', ...built });
    const r = await strata(['clean', '--project-dir', root]);
    expect(r.code).toBe(0);
    for (const d of ['out', 'dbt_packages', 'logs']) expect(existsSync(path.join(root, d))).toBe(false);
    expect(r.stdout).toContain('Nothing to clean at never_built/ (it does not exist)');
    expect(existsSync(path.join(root, 'target', 'manifest.json'))).toBe(true);
    expect(existsSync(path.join(root, 'models', 'm.sql'))).toBe(true);
  });

  it('refuses a path outside the project (exit 2, located) and deletes nothing', async () => {
    const dir = await writeTempProject({
      'project/dbt_project.yml': 'name: shop\nclean-targets:\n  - target\n  - ../elsewhere\n',
      'project/target/x.json': '{}',
      'elsewhere/keep.txt': 'precious',
    });
    const root = path.join(dir, 'project');
    const r = await strata(['clean', '--project-dir', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("dbt_project.yml:4:5: error[project-invalid]: clean-targets entry '../elsewhere' is outside the project directory; strata clean will not delete it");
    expect(existsSync(path.join(dir, 'elsewhere', 'keep.txt'))).toBe(true);
    expect(existsSync(path.join(root, 'target', 'x.json'))).toBe(true);
  });

  it('refuses the project directory itself and paths through a symlink that leaves the project', async () => {
    const dir = await writeTempProject({ 'project/dbt_project.yml': 'name: shop\nclean-targets: [".", "link/sub"]\n', 'outside/sub/keep.txt': 'x' });
    const root = path.join(dir, 'project');
    await symlink(path.join(dir, 'outside'), path.join(root, 'link'));
    const r = await strata(['clean', '--project-dir', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("dbt_project.yml:2:17: error[project-invalid]: clean-targets entry '.' is the project directory itself");
    expect(r.stderr).toContain("dbt_project.yml:2:22: error[project-invalid]: clean-targets entry 'link/sub' is outside the project directory");
    expect(existsSync(path.join(dir, 'outside', 'sub', 'keep.txt'))).toBe(true);
  });

  it('unlinks a symlinked package without following it, and skips protected paths', async () => {
    const dir = await writeTempProject({ 'project/dbt_project.yml': 'name: shop\nclean-targets: [dbt_packages, models]\n', 'project/models/m.sql': 'select 1', 'pkg/dbt_project.yml': 'name: pkg\n' });
    const root = path.join(dir, 'project');
    await mkdir(path.join(root, 'dbt_packages'));
    await symlink(path.join(dir, 'pkg'), path.join(root, 'dbt_packages', 'pkg'));
    const r = await strata(['clean', '--project-dir', root]);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(root, 'dbt_packages'))).toBe(false);
    expect((await lstat(path.join(dir, 'pkg', 'dbt_project.yml'))).isFile()).toBe(true);
    expect(r.stderr).toContain("dbt_project.yml:2:31: warning[project-invalid]: not cleaning 'models': it holds project files (models)");
    expect(existsSync(path.join(root, 'models', 'm.sql'))).toBe(true);
  });
});
