/**
 * Fetching packages into the run's staging directory (inside the install path, so the final
 * move is a same-filesystem rename), and reading a fetched package's project name.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findProjectFile } from '../project/project-file.js';
import { isRecord, parseYamlLocated } from '../project/yaml-located.js';
import { fail, redactUrl } from './errors.js';
import { gitCheckout, type GitCheckout } from './git.js';
import { fetchTarball } from './tarball.js';
import type { Env, Where } from './types.js';

/** Per-run fetch settings and a counter for unique staging names. */
export class Stager {
  private n = 0;

  constructor(
    /** Absolute root project directory. */
    readonly root: string,
    /** Absolute staging directory (exists). */
    readonly dir: string,
    readonly env: Env,
    readonly timeoutMs?: number,
  ) {}

  /**
   * A fresh path inside the staging directory (not created).
   *
   * @example stager.next('git') // '/p/dbt_packages/.strata-tmp-Ab12/git-1'
   */
  next(prefix: string): string {
    this.n += 1;
    return path.join(this.dir, `${prefix}-${this.n}`);
  }

  /**
   * Clones a git package at `revision`; returns the checkout, the package directory
   * (`subdirectory` applied) and where the clone is.
   *
   * @example const g = await stager.git('file:///repos/pkg.git', 'v1', undefined, 'file:///repos/pkg.git', where)
   */
  async git(url: string, revision: string | undefined, subdirectory: string | undefined, where: Where): Promise<GitCheckout & { dir: string }> {
    const dest = this.next('git');
    const label = `git package ${redactUrl(url)}`;
    const c = await gitCheckout(url, revision, dest, { label, where, cwd: this.root, env: this.env, ...(this.timeoutMs ? { timeoutMs: this.timeoutMs } : {}) });
    const dir = subdirectory ? path.join(dest, ...subdirectory.split('/')) : dest;
    if (!existsSync(dir)) {
      fail('package-not-found', `subdirectory '${subdirectory ?? ''}' does not exist in ${redactUrl(url)} at ${c.sha.slice(0, 7)}`, where, 'check `subdirectory:` against the repository layout');
    }
    return { ...c, dir };
  }

  /**
   * Downloads and unpacks a tarball; returns the package root and the archive's sha1.
   *
   * @example const t = await stager.tarball('https://example.com/pkg.tar.gz', 'tarball https://example.com/pkg.tar.gz', where)
   */
  tarball(url: string, label: string, where: Where): Promise<{ root: string; sha1: string }> {
    return fetchTarball(url, this.next('tar'), { label, where, ...(this.timeoutMs ? { timeoutMs: this.timeoutMs } : {}) });
  }
}

/**
 * The `name:` in a package's strata_project.yml / dbt_project.yml (the name it installs under).
 * `dir` is not named in messages: it may be a staging directory that is gone by then.
 *
 * @example await readPackageName('/abs/pkg_a', 'local package ../pkg_a', where) // 'pkg_a'
 */
export async function readPackageName(dir: string, label: string, where: Where): Promise<string> {
  const found = await findProjectFile(dir).catch(() => undefined);
  if (!found) {
    return fail('packages-invalid', `${label} has no dbt_project.yml`, where, 'a package is a dbt project with dbt_project.yml at its root: check the path, `subdirectory:` or revision');
  }
  const y = parseYamlLocated(found.text, path.basename(found.file));
  const name = isRecord(y.value) ? y.value['name'] : undefined;
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    return fail('packages-invalid', `${label}: ${path.basename(found.file)} has no valid 'name:'`, where, 'the package project file needs `name: <letters, digits, underscores>`');
  }
  return name;
}
