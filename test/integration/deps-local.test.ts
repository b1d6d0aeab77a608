import { existsSync } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { strata } from '../helpers/strata-cli.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'deps');

/** <tmp>/project (the root) next to <tmp>/packages/{pkg_a,pkg_b} copied from the fixtures. */
async function workspace(packagesYml: string, projectYml = 'name: shop\nprofile: shop\n'): Promise<{ tmp: string; root: string }> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'strata-deps-local-'));
  await cp(path.join(FIXTURES, 'packages'), path.join(tmp, 'packages'), { recursive: true });
  const root = path.join(tmp, 'project');
  await cp(path.join(FIXTURES, 'packages', 'pkg_b'), path.join(tmp, 'other', 'pkg_b'), { recursive: true });
  await mkdir(root);
  await writeFile(path.join(root, 'dbt_project.yml'), projectYml);
  if (packagesYml) await writeFile(path.join(root, 'packages.yml'), packagesYml);
  return { tmp, root };
}

describe('strata deps with local packages', () => {
  it('symlinks a local package and the local package it pulls in, and writes the lock file', async () => {
    const { tmp, root } = await workspace('packages:\n  - local: ../packages/pkg_a\n');
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const name of ['pkg_a', 'pkg_b']) {
      const link = path.join(root, 'dbt_packages', name);
      expect((await lstat(link)).isSymbolicLink()).toBe(true);
      expect(await readlink(link)).toBe(path.join(tmp, 'packages', name));
    }
    expect(await readFile(path.join(root, 'dbt_packages', 'pkg_b', 'macros', 'b.sql'), 'utf8')).toContain("'b'");
    const lock = parse(await readFile(path.join(root, 'package-lock.yml'), 'utf8')) as { packages: unknown[]; sha1_hash: string };
    expect(lock.packages).toEqual([
      { local: '../packages/pkg_a', name: 'pkg_a' },
      { local: '../packages/pkg_b', name: 'pkg_b' },
    ]);
    expect(lock.sha1_hash).toMatch(/^[0-9a-f]{40}$/);
    expect(r.stdout).toContain('Installing ../packages/pkg_a');
    expect(r.stdout).toContain('Installed as a symlink dbt_packages/pkg_b');
    expect(r.stdout).toContain('Updating lock file in file path: package-lock.yml');
    // No staging directory is left behind.
    expect((await readdir(path.join(root, 'dbt_packages'))).sort()).toEqual(['pkg_a', 'pkg_b']);
  });

  it('installs packages that compile then finds (macros of a transitive package)', async () => {
    const { root } = await workspace('packages:\n  - local: ../packages/pkg_a\n', 'name: shop\nprofile: shop\n');
    await writeFile(path.join(root, 'profiles.yml'), 'shop:\n  target: dev\n  outputs:\n    dev:\n      type: pglite\n      path: .strata/pglite\n      schema: s\n');
    await mkdir(path.join(root, 'models'));
    await writeFile(path.join(root, 'models', 'm.sql'), 'select {{ pkg_a.a() }} as a, {{ pkg_b.b() }} as b\n');
    const before = await strata(['compile', '--project-dir', root]);
    expect(before.code).toBe(2);
    expect(before.stderr).toContain('error[packages-not-installed]');
    expect((await strata(['deps', '--project-dir', root])).code).toBe(0);
    const after = await strata(['compile', '--project-dir', root]);
    expect(after.stderr).toBe('');
    expect(after.code).toBe(0);
    expect(await readFile(path.join(root, 'target', 'compiled', 'shop', 'models', 'm.sql'), 'utf8')).toContain("select 'a' as a, 'b' as b");
  });

  it('removes packages no longer listed without touching their source directory', async () => {
    const { tmp, root } = await workspace('packages:\n  - local: ../packages/pkg_a\n');
    expect((await strata(['deps', '--project-dir', root])).code).toBe(0);
    await writeFile(path.join(root, 'packages.yml'), 'packages:\n  - local: ../packages/pkg_b\n');
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Removed dbt_packages/pkg_a (no longer listed)');
    expect(existsSync(path.join(root, 'dbt_packages', 'pkg_a'))).toBe(false);
    expect((await lstat(path.join(root, 'dbt_packages', 'pkg_b'))).isSymbolicLink()).toBe(true);
    // The symlink was removed, not what it pointed at.
    expect(await readFile(path.join(tmp, 'packages', 'pkg_a', 'macros', 'a.sql'), 'utf8')).toContain("'a'");
  });

  it('fails on a missing local directory at its packages.yml line and keeps the previous install', async () => {
    const { root } = await workspace('packages:\n  - local: ../packages/pkg_b\n');
    expect((await strata(['deps', '--project-dir', root])).code).toBe(0);
    const before = await readFile(path.join(root, 'package-lock.yml'), 'utf8');
    await writeFile(path.join(root, 'packages.yml'), 'packages:\n  - local: ../packages/pkg_a\n  - local: ../nowhere\n');
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('packages.yml:3:5: error[package-not-found]: local package directory ../nowhere does not exist');
    expect(existsSync(path.join(root, 'dbt_packages', 'pkg_a'))).toBe(false);
    expect((await lstat(path.join(root, 'dbt_packages', 'pkg_b'))).isSymbolicLink()).toBe(true);
    expect(await readFile(path.join(root, 'package-lock.yml'), 'utf8')).toBe(before);
  });

  it('reports an invalid entry with its file, line and a did-you-mean hint', async () => {
    const { root } = await workspace('packages:\n  - local: ../packages/pkg_a\n    nmae: x\n  - pakage: dbt-labs/dbt_utils\n');
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("packages.yml:3:5: error[packages-invalid]: unknown key 'nmae' in a local: package entry");
    expect(r.stderr).toContain("hint: did you mean 'name'?");
    expect(r.stderr).toContain('packages.yml:4:5: error[packages-invalid]: a package entry needs exactly one of package:, git:, local: or tarball: (found none)');
    expect(existsSync(path.join(root, 'dbt_packages'))).toBe(false);
  });

  it('rejects two packages with the same project name from different places', async () => {
    const { root } = await workspace('packages:\n  - local: ../packages/pkg_b\n  - local: ../other/pkg_b\n');
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("packages.yml:3:5: error[package-conflict]: package 'pkg_b' is required from two different sources: local ../packages/pkg_b (packages.yml:2) and local ../other/pkg_b (packages.yml:3)");
  });

  it('reads dependencies.yml and honours packages-install-path and env_var', async () => {
    const { root } = await workspace('', "name: shop\npackages-install-path: vendor\n");
    await writeFile(path.join(root, 'dependencies.yml'), "packages:\n  - local: \"{{ env_var('PKG_DIR', '../packages') }}/pkg_b\"\nprojects: []\n");
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await lstat(path.join(root, 'vendor', 'pkg_b'))).isSymbolicLink()).toBe(true);
    const lock = parse(await readFile(path.join(root, 'package-lock.yml'), 'utf8')) as { packages: unknown[] };
    // The lock keeps the template: a value from the environment is never written into it.
    expect(lock.packages).toEqual([{ local: "{{ env_var('PKG_DIR', '../packages') }}/pkg_b", name: 'pkg_b' }]);
  });

  it('warns and changes nothing when no packages are listed', async () => {
    const { root } = await workspace('packages: []\n');
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: No packages were found in packages.yml');
    expect(existsSync(path.join(root, 'package-lock.yml'))).toBe(false);
    expect(existsSync(path.join(root, 'dbt_packages'))).toBe(false);
  });

  it('adds a local package with --add-package --source local, keeping comments', async () => {
    const { root } = await workspace('# our packages\npackages:\n  - local: ../packages/pkg_b # the base\n');
    const r = await strata(['deps', '--project-dir', root, '--add-package', '../packages/pkg_a', '--source', 'local']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const yml = await readFile(path.join(root, 'packages.yml'), 'utf8');
    expect(yml).toContain('# our packages');
    expect(yml).toContain('# the base');
    expect(parse(yml)).toEqual({ packages: [{ local: '../packages/pkg_b' }, { local: '../packages/pkg_a' }] });
    expect((await lstat(path.join(root, 'dbt_packages', 'pkg_a'))).isSymbolicLink()).toBe(true);
  });
});
