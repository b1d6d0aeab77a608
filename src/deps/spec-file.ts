/**
 * Reads a project's packages file (`packages.yml`, or the `packages:` key of `dependencies.yml`)
 * into validated, located specs, as dbt does: exactly one source key per entry, no unknown keys,
 * `{{ env_var() }}` rendered (the unrendered entry is kept for the lock file).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { CompileError, DiagnosticBag, didYouMean, type Diagnostic } from '../diagnostics/index.js';
import { renderEnvVars } from '../project/env-var.js';
import { isRecord, parseYamlLocated, type LocatedYaml, type YamlPath } from '../project/yaml-located.js';
import { depsError } from './errors.js';
import type { DeclaredPackage, Env, Origin, PackageSpec, Where } from './types.js';

/** What a packages file declares. */
export interface PackagesFileContents {
  /** Label of the file read (relative to the root project), absent when there is none. */
  readonly file?: string;
  readonly declared: readonly DeclaredPackage[];
  /** The `packages:` entries as written, for the lock file's hash. */
  readonly rawEntries: readonly unknown[];
}

/** Who is reading: the root project (no `via`) or a package pulled in by some root entry. */
export interface ReadContext {
  /** Absolute root project directory; labels are relative to it. */
  readonly root: string;
  readonly env: Env;
  /** The declaring package (`pkg_a`, `dbt-labs/x 1.0.0`); absent for the root project. */
  readonly via?: string;
  /** The root entry that led here; absent for the root project (each entry is its own root). */
  readonly rootWhere?: Where;
  /** Base for `local:` paths; defaults to the directory read. */
  readonly localBase?: string;
  /** Label of the directory read, for a fetched package (`dbt_packages/x`); default: its path from the root. */
  readonly labelBase?: string;
}

const KEYS: Readonly<Record<PackageSpec['kind'], readonly string[]>> = {
  hub: ['package', 'version', 'install-prerelease'],
  git: ['git', 'revision', 'subdirectory', 'warn-unpinned', 'name'],
  local: ['local', 'name'],
  tarball: ['tarball', 'name'],
};
const SOURCE_KEYS: Readonly<Record<string, PackageSpec['kind']>> = { package: 'hub', git: 'git', local: 'local', tarball: 'tarball' };

/**
 * Posix path of `abs` relative to the root project, for diagnostics.
 *
 * @example labelFor('/w/shop', '/w/libs/pkg_a/packages.yml') // '../libs/pkg_a/packages.yml'
 */
export function labelFor(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/') || '.';
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function parsed(text: string, label: string): LocatedYaml {
  const y = parseYamlLocated(text, label);
  if (y.errors.length) throw new CompileError(y.errors);
  return y;
}

/**
 * Reads the packages file of the project (or package) in `dir`.
 *
 * @example
 * const r = await readPackagesFile('/abs/shop', { root: '/abs/shop', env: process.env });
 * r.file                       // 'packages.yml'
 * r.declared[0].spec           // { kind: 'hub', id: 'dbt-labs/dbt_utils', ranges: ['>=1.0.0'], prerelease: false }
 * r.declared[0].origin.at      // { file: 'packages.yml', line: 2, col: 5 }
 */
export async function readPackagesFile(dir: string, ctx: ReadContext): Promise<PackagesFileContents> {
  const pkgPath = path.join(dir, 'packages.yml');
  const depPath = path.join(dir, 'dependencies.yml');
  const [pkgText, depText] = await Promise.all([readIfExists(pkgPath), readIfExists(depPath)]);
  const label = (file: string): string => (ctx.labelBase ? `${ctx.labelBase}/${path.basename(file)}` : labelFor(ctx.root, file));
  const pkg = pkgText === undefined ? undefined : parsed(pkgText, label(pkgPath));
  const dep = depText === undefined ? undefined : parsed(depText, label(depPath));
  const has = (y: LocatedYaml | undefined): boolean => y !== undefined && isRecord(y.value) && 'packages' in y.value;
  if (has(pkg) && has(dep) && dep) {
    throw new CompileError([
      depsError('packages-invalid', "'packages' is listed in both packages.yml and dependencies.yml", dep.locate(['packages'], { key: true }), 'keep the list in one of the two files'),
    ]);
  }
  // dbt: dependencies.yml wins when it lists packages; otherwise packages.yml is validated whole.
  const y = has(dep) ? dep : pkg;
  if (!y) return { declared: [], rawEntries: [] };
  const text = (y === dep ? depText : pkgText) ?? '';
  const doc = y.value;
  if (doc === undefined || doc === null) return { file: y.file, declared: [], rawEntries: [] };
  if (!isRecord(doc)) {
    throw new CompileError([depsError('packages-invalid', `${y.file} must be a mapping with a 'packages:' list`, { file: y.file, line: 1, col: 1 })]);
  }
  const diags: Diagnostic[] = [];
  if (y === pkg) {
    for (const key of Object.keys(doc)) {
      if (key !== 'packages') diags.push(depsError('packages-invalid', `unknown key '${key}' in ${y.file}`, y.locate([key], { key: true }), "only 'packages:' belongs here"));
    }
  }
  const list = doc['packages'];
  if (list !== undefined && list !== null && !Array.isArray(list)) {
    diags.push(depsError('packages-invalid', "'packages' must be a list of package entries", y.locate(['packages'])));
  }
  const rawEntries: unknown[] = Array.isArray(list) ? list : [];
  const declared: DeclaredPackage[] = [];
  rawEntries.forEach((raw, i) => {
    const entryPath = ['packages', i];
    const at = y.locate(entryPath);
    const origin: Origin = { at, root: ctx.rootWhere ?? at, ...(ctx.via ? { via: ctx.via } : {}) };
    const bag = new DiagnosticBag();
    const rendered = isRecord(raw) ? renderEnvVars(raw, y, entryPath, ctx.env, bag) : raw;
    if (bag.hasErrors()) {
      diags.push(...bag.errors);
      return;
    }
    const within = (p: YamlPath): Where => y.locate([...entryPath, ...p]);
    const r = parseEntry(rendered, raw, within, (p) => y.locate([...entryPath, p], { key: true }), ctx.localBase ?? dir, (p) => tokenAt(text, within(p)));
    if ('diagnostics' in r) diags.push(...r.diagnostics);
    else declared.push({ spec: r.spec, raw: r.raw, origin });
  });
  if (diags.length) throw new CompileError(diags);
  return { file: y.file, declared, rawEntries };
}

/**
 * Parses the `packages` list of a hub version entry (its dependencies), which has no line numbers.
 *
 * @example hubDependencies([{ package: 'dbt-labs/dbt_utils', version: '>=1.0.0' }], origin)
 */
export function hubDependencies(entries: readonly unknown[], label: string, via: string, rootWhere: Where): DeclaredPackage[] {
  const out: DeclaredPackage[] = [];
  const where: Where = { file: label };
  entries.forEach((raw) => {
    const r = parseEntry(raw, raw, () => where, () => where, '/');
    if ('diagnostics' in r) {
      throw new CompileError(r.diagnostics.map((d) => ({ ...d, message: `${via} on the package hub declares an invalid dependency: ${d.message}`, ...rootWhere })));
    }
    out.push({ spec: r.spec, raw: r.raw, origin: { at: where, via, root: rootWhere } });
  });
  return out;
}

type EntryResult = { spec: PackageSpec; raw: Record<string, unknown> } | { diagnostics: Diagnostic[] };

/**
 * The plain scalar as written at `w`: YAML reads `version: 0.10` as the number 0.1, but the user
 * meant "0.10", so numbers are taken from the source text.
 */
function tokenAt(text: string, w: Where): string | undefined {
  if (w.line === undefined) return undefined;
  const line = text.split(/\r?\n/)[w.line - 1] ?? '';
  return /^[^\s,\]}#]+/.exec(line.slice((w.col ?? 1) - 1))?.[0];
}

function parseEntry(
  value: unknown,
  raw: unknown,
  at: (p: YamlPath) => Where,
  keyAt: (k: string) => Where,
  base: string,
  written: (p: YamlPath) => string | undefined = () => undefined,
): EntryResult {
  const numberText = (v: number, p: YamlPath): string => {
    const t = written(p);
    return t !== undefined && Number(t) === v ? t : String(v);
  };
  const bad = (message: string, where: Where, hint?: string): EntryResult => ({ diagnostics: [depsError('packages-invalid', message, where, hint)] });
  if (!isRecord(value) || !isRecord(raw)) return bad('a package entry must be a mapping such as `- package: dbt-labs/dbt_utils`', at([]));
  if ('private' in value) return bad('`private:` packages need dbt Cloud and are not supported', keyAt('private'), 'use a `git:` entry with the repository URL (a token can come from env_var)');
  const kinds = Object.keys(value).filter((k) => k in SOURCE_KEYS);
  if (kinds.length !== 1) {
    const found = kinds.length ? `found ${kinds.join(' and ')}` : 'found none';
    return bad(`a package entry needs exactly one of package:, git:, local: or tarball: (${found})`, at([]));
  }
  const sourceKey = kinds[0] ?? 'package';
  const kind = SOURCE_KEYS[sourceKey] ?? 'hub';
  const allowed = KEYS[kind];
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const hint = didYouMean(key, allowed) ?? `a ${sourceKey}: entry may have ${allowed.join(', ')}`;
    return bad(`unknown key '${key}' in a ${sourceKey}: package entry`, keyAt(key), hint);
  }
  const str = (k: string): string | undefined => {
    const v = value[k];
    return typeof v === 'string' ? v : typeof v === 'number' ? numberText(v, [k]) : undefined;
  };
  const source = str(sourceKey);
  if (source === undefined || source.trim() === '') return bad(`'${sourceKey}' must be a non-empty string`, at([sourceKey]));
  const name = value['name'];
  if (name !== undefined && (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))) {
    return bad("'name' must be a project name (letters, digits, underscores)", at(['name']));
  }
  for (const flag of ['install-prerelease', 'warn-unpinned']) {
    if (value[flag] !== undefined && typeof value[flag] !== 'boolean') return bad(`'${flag}' must be true or false`, at([flag]));
  }
  switch (kind) {
    case 'local':
      return { spec: { kind, path: source, abs: path.resolve(base, source) }, raw };
    case 'tarball':
      if (!/^(https?|file):\/\//i.test(source)) return bad("'tarball' must be an http(s):// or file:// URL of a .tar.gz", at([sourceKey]));
      return { spec: { kind, url: source, ...(typeof name === 'string' ? { name } : {}) }, raw };
    case 'git': {
      const revision = str('revision');
      const sub = value['subdirectory'];
      if (sub !== undefined && (typeof sub !== 'string' || path.posix.isAbsolute(sub) || sub.split('/').includes('..'))) {
        return bad("'subdirectory' must be a relative path inside the repository", at(['subdirectory']));
      }
      if (value['revision'] !== undefined && revision === undefined) return bad("'revision' must be a branch, tag or commit sha", at(['revision']));
      return {
        spec: {
          kind,
          url: source,
          ...(revision !== undefined ? { revision } : {}),
          ...(typeof sub === 'string' && sub !== '' ? { subdirectory: sub.replace(/\/+$/, '') } : {}),
          warnUnpinned: value['warn-unpinned'] !== false,
        },
        raw,
      };
    }
    case 'hub': {
      if (!/^[^/\s]+\/[^/\s]+$/.test(source)) return bad(`'package' must be 'org/name', e.g. dbt-labs/dbt_utils (got '${source}')`, at([sourceKey]));
      const v = value['version'];
      if (v === undefined || v === null) return bad(`hub package '${source}' needs a version`, keyAt('package'), 'add e.g. `version: [">=1.0.0", "<2.0.0"]`');
      const list = Array.isArray(v) ? v : [v];
      const ranges: string[] = [];
      for (const [i, r] of list.entries()) {
        const rangeAt = at(Array.isArray(v) ? ['version', i] : ['version']);
        if (typeof r !== 'string' && typeof r !== 'number') return bad("'version' must be a version or range, or a list of them", rangeAt);
        const text = (typeof r === 'number' ? numberText(r, Array.isArray(v) ? ['version', i] : ['version']) : r).trim();
        if (semver.validRange(text) === null) return bad(`'${text}' is not a valid version or range`, rangeAt, 'use e.g. "1.1.1", ">=1.0.0" or [">=1.0.0", "<2.0.0"]');
        ranges.push(text);
      }
      if (ranges.length === 0) return bad("'version' must not be an empty list", at(['version']));
      return { spec: { kind, id: source, ranges, prerelease: value['install-prerelease'] === true }, raw };
    }
  }
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isRecord(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

/**
 * The lock file's `sha1_hash`: sha1 of the packages entries *as written* (env_var templates not
 * rendered, so a secret never influences or leaks through it), each entry as JSON with sorted
 * keys, the lines sorted. Comments, formatting and entry order do not change it.
 *
 * @example packagesHash([{ package: 'dbt-labs/dbt_utils', version: '1.1.1' }]) // '5c1f…' (40 hex)
 */
export function packagesHash(rawEntries: readonly unknown[]): string {
  const lines = rawEntries.map((e) => JSON.stringify(canonical(e))).sort();
  return createHash('sha1').update(lines.join('\n')).digest('hex');
}
