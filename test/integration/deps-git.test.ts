import { existsSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeGitPackageRepo, macroOf, type GitPackageRepo } from '../fixtures/deps/git-repo.js';
import { strata } from '../helpers/strata-cli.js';
import { writeTempProject } from '../helpers/temp-project.js';

let repo: GitPackageRepo;
let commit2: string;

beforeAll(async () => {
  repo = await makeGitPackageRepo();
  commit2 = repo.head();
});

/** A project in <tmp>/project, so tests can put sibling directories next to it. */
async function project(packagesYml: string): Promise<string> {
  const dir = await writeTempProject({ 'project/dbt_project.yml': 'name: shop\n', 'project/packages.yml': packagesYml });
  return path.join(dir, 'project');
}

const macro = (root: string, pkg = 'git_pkg'): Promise<string> => readFile(path.join(root, 'dbt_packages', pkg, 'macros', 'x.sql'), 'utf8');

interface Lock {
  packages: Record<string, string>[];
  sha1_hash: string;
}
const lockOf = async (root: string): Promise<Lock> => parse(await readFile(path.join(root, 'package-lock.yml'), 'utf8')) as Lock;

describe('strata deps with git packages', () => {
  it('installs a tag, without .git, and locks its full commit sha', async () => {
    const root = await project(`packages:\n  - git: "${repo.url}"\n    revision: v1\n`);
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await macro(root)).toBe(macroOf(1));
    expect(existsSync(path.join(root, 'dbt_packages', 'git_pkg', '.git'))).toBe(false);
    expect(existsSync(path.join(root, 'dbt_packages', 'git_pkg', 'integration_tests', 'dbt_project.yml'))).toBe(true);
    expect(r.stdout).toContain(`Installing ${repo.url}`);
    expect(r.stdout).toContain(`Installed from revision ${repo.v1.slice(0, 7)} (v1)`);
    expect((await lockOf(root)).packages).toEqual([{ git: repo.url, name: 'git_pkg', revision: repo.v1 }]);
  });

  it('installs a commit sha', async () => {
    const root = await project(`packages:\n  - git: "${repo.url}"\n    revision: ${repo.v1}\n`);
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await macro(root)).toBe(macroOf(1));
  });

  it('installs a subdirectory under its own project name', async () => {
    const root = await project(`packages:\n  - git: "${repo.url}"\n    revision: v1\n    subdirectory: integration_tests\n`);
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.code).toBe(0);
    expect(await readFile(path.join(root, 'dbt_packages', 'git_pkg_integration_tests', 'macros', 'it.sql'), 'utf8')).toContain("'integration'");
    expect(existsSync(path.join(root, 'dbt_packages', 'git_pkg'))).toBe(false);
    expect((await lockOf(root)).packages).toEqual([{ git: repo.url, name: 'git_pkg_integration_tests', revision: repo.v1, subdirectory: 'integration_tests' }]);
  });

  it('warns like dbt when the package is unpinned, located at the entry', async () => {
    const root = await project(`packages:\n  - git: "${repo.url}"\n`);
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.code).toBe(0);
    expect(await macro(root)).toBe(macroOf(2));
    expect(r.stderr).toContain(`packages.yml:2:5: warning[package-unpinned]: the git package "${repo.url}" is not pinned, using HEAD (default branch)`);
    expect((await lockOf(root)).packages[0]?.['revision']).toBe(commit2);

    const branch = await project(`packages:\n  - git: "${repo.url}"\n    revision: main\n`);
    const b = await strata(['deps', '--project-dir', branch]);
    expect(b.code).toBe(0);
    expect(b.stderr).toContain('is pinned to the "main" branch');

    const quiet = await project(`packages:\n  - git: "${repo.url}"\n    revision: main\n    warn-unpinned: false\n`);
    const q = await strata(['deps', '--project-dir', quiet]);
    expect(q.code).toBe(0);
    expect(q.stderr).toBe('');
  });

  it('keeps the locked commit until --upgrade, and renders env_var without writing it to the lock', async () => {
    // A repository of its own: this test pushes to it.
    const own = await makeGitPackageRepo();
    const head = own.head();
    process.env['STRATA_TEST_GIT_URL'] = own.url;
    const root = await project(`packages:\n  - git: "{{ env_var('STRATA_TEST_GIT_URL') }}"\n    revision: main\n    warn-unpinned: false\n`);
    expect((await strata(['deps', '--project-dir', root])).code).toBe(0);
    const locked = await lockOf(root);
    expect(locked.packages).toEqual([{ git: "{{ env_var('STRATA_TEST_GIT_URL') }}", name: 'git_pkg', revision: head }]);
    const commit3 = own.commit(3);

    const again = await strata(['deps', '--project-dir', root]);
    expect(again.code).toBe(0);
    expect(await macro(root)).toBe(macroOf(2));
    expect(again.stdout).toContain(`Installed from revision ${head.slice(0, 7)}`);
    expect(await lockOf(root)).toEqual(locked);

    const up = await strata(['deps', '--project-dir', root, '--upgrade']);
    expect(up.code).toBe(0);
    expect(await macro(root)).toBe(macroOf(3));
    expect((await lockOf(root)).packages[0]?.['revision']).toBe(commit3);
    delete process.env['STRATA_TEST_GIT_URL'];
  });

  it('fails with package-not-found for a revision that does not exist', async () => {
    const root = await project(`packages:\n  - git: "${repo.url}"\n    revision: v9\n`);
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`packages.yml:2:5: error[package-not-found]: revision 'v9' was not found in git package ${repo.url}: `);
    expect(existsSync(path.join(root, 'dbt_packages'))).toBe(false);
    expect(existsSync(path.join(root, 'package-lock.yml'))).toBe(false);
  });

  it('fails with package-fetch-failed, exit 2, for an unreachable repository', async () => {
    const url = `${repo.url}-missing`;
    const root = await project(`packages:\n  - git: "${url}"\n    revision: v1\n`);
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`packages.yml:2:5: error[package-fetch-failed]: could not clone git package ${url}: `);
    expect(r.stderr).toContain('hint: check your network connection');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects one git package required at two revisions, naming both', async () => {
    const root = await project(`packages:\n  - git: "${repo.url}"\n    revision: v1\n  - local: ../lib\n`);
    await cp(path.join(import.meta.dirname, '..', 'fixtures', 'deps', 'packages', 'pkg_b'), path.join(root, '..', 'lib'), { recursive: true });
    await writeFile(path.join(root, '..', 'lib', 'packages.yml'), `packages:\n  - git: "${repo.url}"\n    revision: main\n`);
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `../lib/packages.yml:2:5: error[package-conflict]: git package ${repo.url} is required at two revisions: 'v1' by packages.yml:2 and 'main' by pkg_b (../lib/packages.yml:2)`,
    );
  });

  it('rejects the same package from git and from a local directory', async () => {
    const root = await project(`packages:\n  - git: "${repo.url}"\n    revision: v1\n  - local: ../clone\n`);
    await cp(path.join(import.meta.dirname, '..', 'fixtures', 'deps', 'git_pkg'), path.join(root, '..', 'clone'), { recursive: true, force: true });
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/packages\.yml:4:5: error\[package-conflict\]: package 'git_pkg' is required from two different sources: git .*git_pkg\.git \(packages\.yml:2\) and local \.\.\/clone \(packages\.yml:4\)/);
  });
});
