/**
 * Installed packages, as every command reads them: each directory under the root project's
 * `packages-install-path` (default `dbt_packages/`) holding a `dbt_project.yml` is a project of
 * its own. Its files are read with its own config; their paths are relative to the root project
 * (`dbt_packages/dbt_utils/macros/star.sql`), so diagnostics point at them. Nothing is fetched
 * here: `strata deps` installs (src/deps/).
 */
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { DiagnosticBag, error, type Diagnostic } from '../diagnostics/index.js';
import { discoverFiles } from './discover.js';
import type { Env } from './env-var.js';
import { readProjectConfig } from './project-file.js';
import { parseSchemaFile } from './schema-file.js';
import type { PackageFiles, ProjectConfig, SchemaFile, SourceFile } from './types.js';

/** The dbt version whose behaviour Strata follows (for packages' `require-dbt-version`). */
export const DBT_COMPAT_VERSION = '1.9.0';

/** A package that declares it does not support that dbt version: a warning, as dbt's. */
function versionWarning(pkg: ProjectConfig, prefix: string): Diagnostic | undefined {
  const raw = pkg.raw['require-dbt-version'];
  const ranges = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
  if (ranges.length === 0) return undefined;
  const range = ranges.join(' ');
  if (semver.validRange(range) === null || semver.satisfies(DBT_COMPAT_VERSION, range, { includePrerelease: true })) return undefined;
  return {
    code: 'dbt-version-unsupported',
    severity: 'warning',
    message: `package '${pkg.name}' requires dbt ${ranges.join(', ')}; Strata follows dbt ${DBT_COMPAT_VERSION}`,
    file: `${prefix}/${path.basename(pkg.file)}`,
    line: 1,
    col: 1,
    hint: 'install a version of the package made for this dbt version, or check its changelog',
  };
}

/** Where packages are installed, relative to the root project. */
export function packagesInstallPath(config: ProjectConfig): string {
  const v = config.raw['packages-install-path'];
  return typeof v === 'string' && v.trim() !== '' ? v.replace(/\/+$/, '') : 'dbt_packages';
}

/** The packages file of a project (`packages.yml`, else `dependencies.yml`), if any. */
export function packagesFile(root: string): string | undefined {
  for (const name of ['packages.yml', 'dependencies.yml']) {
    const f = path.join(root, name);
    if (existsSync(f)) return f;
  }
  return undefined;
}

function prefixed(files: readonly SourceFile[], prefix: string): SourceFile[] {
  return files.map((f) => ({ ...f, path: `${prefix}/${f.path}` }));
}

function relocate(ds: readonly Diagnostic[], prefix: string): Diagnostic[] {
  return ds.map((d) => (d.file && !path.isAbsolute(d.file) ? { ...d, file: `${prefix}/${d.file}` } : d));
}

/**
 * Read every installed package. `declared` is the number of entries in packages.yml: fewer
 * installed packages is an error naming the fix, as in dbt.
 *
 * @example
 * const pkgs = await readInstalledPackages('/abs/shop', config, process.env, bag);
 * pkgs[0].name           // 'dbt_utils'
 * pkgs[0].macros[0].path // 'dbt_packages/dbt_utils/macros/generic_tests/accepted_range.sql'
 */
export async function readInstalledPackages(
  root: string,
  config: ProjectConfig,
  env: Env,
  bag: DiagnosticBag,
  declared = 0,
): Promise<PackageFiles[]> {
  const installDir = packagesInstallPath(config);
  const abs = path.join(root, installDir);
  let entries: string[] = [];
  try {
    entries = (await readdir(abs)).sort();
  } catch {
    entries = [];
  }
  const out: PackageFiles[] = [];
  for (const dir of entries) {
    const pkgRoot = path.join(abs, dir);
    if (!existsSync(path.join(pkgRoot, 'dbt_project.yml')) && !existsSync(path.join(pkgRoot, 'strata_project.yml'))) continue;
    const prefix = `${installDir}/${dir}`;
    const local = new DiagnosticBag();
    const pkgConfig = await readProjectConfig(pkgRoot, env, local);
    bag.addAll(relocate(local.all.filter((d) => d.severity === 'error'), prefix));
    if (!pkgConfig) continue;
    if (pkgConfig.name === config.name) continue;
    const required = versionWarning(pkgConfig, prefix);
    if (required) bag.add(required);
    const files = await discoverFiles(pkgRoot, pkgConfig);
    const schemaFiles: SchemaFile[] = [];
    for (const f of prefixed(files.schemaCandidates, prefix)) {
      const parsed = parseSchemaFile(f.contents, f.path, f.hash, local);
      if (parsed) schemaFiles.push(parsed);
    }
    bag.addAll(local.all.filter((d) => d.severity === 'error' && d.file?.startsWith(prefix)));
    out.push({
      name: pkgConfig.name,
      dir: prefix,
      config: pkgConfig,
      macros: prefixed(files.macros, prefix),
      docs: prefixed(files.docs, prefix),
      models: prefixed(files.models, prefix),
      seeds: files.seeds.map((s) => ({ ...s, path: `${prefix}/${s.path}` })),
      schemaFiles,
    });
  }
  const pf = packagesFile(root);
  if (pf && declared > out.length) {
    bag.add(
      error(
        'packages-not-installed',
        `${path.basename(pf)} lists ${declared} package${declared === 1 ? '' : 's'} but ${out.length} ${out.length === 1 ? 'is' : 'are'} installed in ${installDir}/`,
        { file: path.basename(pf), line: 1, col: 1, hint: 'run `strata deps` to install them' },
      ),
    );
  } else if (pf && out.length > 0) {
    const lock = path.join(root, 'package-lock.yml');
    const installedAt = existsSync(lock) ? statSync(lock).mtimeMs : statSync(abs).mtimeMs;
    if (statSync(pf).mtimeMs > installedAt + 1000) {
      bag.add({
        code: 'packages-outdated',
        severity: 'warning',
        message: `${path.basename(pf)} changed after the packages were installed`,
        file: path.basename(pf),
        line: 1,
        col: 1,
        hint: 'run `strata deps` to install what it lists now',
      });
    }
  }
  return out;
}
