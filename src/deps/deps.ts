/**
 * `strata deps`: read the packages file, resolve (or take package-lock.yml when it still matches),
 * write the lock, install. Orchestration only; each step lives in its own file.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, rmdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import { DiagnosticBag, type Diagnostic } from '../diagnostics/index.js';
import { packagesInstallPath } from '../project/packages.js';
import { readProjectConfig } from '../project/project-file.js';
import { addPackage, parseAddPackage, type AddSource } from './add-package.js';
import { pinFromLock } from './from-lock.js';
import { HubClient } from './hub.js';
import { installPackages, removeStaleStaging, STAGING_PREFIX } from './install.js';
import { LOCK_FILE, readLockFile, writeLockFile } from './lock-file.js';
import { resolvePackages } from './resolve.js';
import { packagesHash, readPackagesFile } from './spec-file.js';
import { Stager } from './stage.js';
import type { DepsResult, Env, PinnedPackage } from './types.js';

export interface DepsOptions {
  /** Absolute project directory. */
  readonly projectDir: string;
  readonly env: Env;
  /** `--lock`: resolve and write package-lock.yml, install nothing. */
  readonly lockOnly?: boolean;
  /** `--upgrade`: ignore package-lock.yml and resolve again. */
  readonly upgrade?: boolean;
  /** `--add-package` value and `--source`. */
  readonly addPackage?: { readonly value: string; readonly source: AddSource };
  /** Network timeout per request (hub, downloads) and per git command. */
  readonly timeoutMs?: number;
}

async function isEmptyDir(dir: string): Promise<boolean> {
  return (await readdir(dir).catch(() => ['?'])).length === 0;
}

/**
 * Installs the project's packages. User errors are thrown as CompileError (exit 2); on any error
 * the install path and package-lock.yml keep their previous contents (an `--add-package` entry
 * stays in the packages file, as in dbt).
 *
 * @example
 * const r = await runDeps({ projectDir: '/abs/shop', env: process.env });
 * r.packages.map((p) => p.name) // ['dbt_utils', 'codegen']
 * r.lockWritten                 // 'package-lock.yml'
 */
export async function runDeps(o: DepsOptions): Promise<DepsResult> {
  const root = o.projectDir;
  const bag = new DiagnosticBag();
  const config = await readProjectConfig(root, o.env, bag);
  bag.throwIfErrors();
  if (!config) throw new Error('deps: project config missing without a diagnostic');
  let added: DepsResult['added'];
  if (o.addPackage) {
    // As in dbt, the entry stays in the packages file even when the install then fails: the
    // error points at it, and the next `strata deps` tries again.
    const entry = parseAddPackage(o.addPackage.value, o.addPackage.source);
    added = { file: await addPackage(root, entry), entry };
  }
  return depsFor(root, config.name, packagesInstallPath(config), o, added);
}

async function depsFor(root: string, rootName: string, installPath: string, o: DepsOptions, added: DepsResult['added']): Promise<DepsResult> {
  const warnings: Diagnostic[] = [];
  const file = await readPackagesFile(root, { root, env: o.env });
  const base = { installPath, removed: [], ...(file.file ? { packagesFile: file.file } : {}), ...(added ? { added } : {}) };
  if (file.declared.length === 0) return { ...base, packages: [], installed: false, from: 'none', warnings };

  const hash = packagesHash(file.rawEntries);
  const lock = o.upgrade ? undefined : await readLockFile(root, o.env);
  const lockExists = lock !== undefined || (o.upgrade === true && existsSync(path.join(root, LOCK_FILE)));
  const useLock = lock !== undefined && lock.sha1Hash === hash;
  const lockIgnored = lockExists && !useLock ? { lockIgnored: o.upgrade ? ('upgrade' as const) : ('hash-mismatch' as const) } : {};
  // `--lock` with a lock that still matches has nothing to do, as in dbt.
  if (useLock && o.lockOnly) return { ...base, packages: [], installed: false, from: 'lock', warnings };

  const installDir = path.resolve(root, installPath);
  const createdInstallDir = (await mkdir(installDir, { recursive: true })) !== undefined;
  await removeStaleStaging(installDir);
  const stager = new Stager(root, await mkdtemp(path.join(installDir, STAGING_PREFIX)), o.env, o.timeoutMs);
  const hub = new HubClient(o.env, o.timeoutMs);
  try {
    let packages: readonly PinnedPackage[];
    if (useLock) {
      packages = await pinFromLock(lock.packages, { root, hub, stager });
    } else {
      const r = await resolvePackages(file.declared, { root, rootName, env: o.env, installPath, hub, stager });
      packages = r.packages;
      warnings.push(...r.warnings);
    }
    const from = useLock ? ('lock' as const) : ('resolution' as const);
    const writeLock = async (): Promise<{ lockWritten?: string }> =>
      useLock ? {} : { lockWritten: await writeLockFile(root, packages.map((p) => p.lock), hash) };
    const done = { ...base, ...lockIgnored, packages, from };
    if (o.lockOnly) return { ...done, ...(await writeLock()), installed: false, warnings };
    const r = await installPackages(packages, installDir, stager);
    warnings.push(...r.warnings);
    // Written after the install succeeded, so a failed run leaves the old lock with the old packages.
    const written = await writeLock();
    if (useLock) {
      // The project loader warns when packages.yml is newer than the lock: the install just
      // confirmed they match (only formatting or comments changed), so say so with the mtime.
      const now = new Date();
      await utimes(path.join(root, LOCK_FILE), now, now);
    }
    return { ...done, ...written, removed: r.removed, installed: true, warnings };
  } finally {
    await rm(stager.dir, { recursive: true, force: true });
    if (createdInstallDir && (await isEmptyDir(installDir))) await rmdir(installDir).catch(() => undefined);
  }
}
