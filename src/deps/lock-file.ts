/**
 * `package-lock.yml`, as dbt 1.7+ writes it: every resolved package (transitive ones too) pinned
 * to an exact version or commit, plus `sha1_hash` of the packages file it was resolved from.
 * Values are stored unrendered (`{{ env_var('GIT_TOKEN') }}` stays a template) and rendered when
 * installing, so a token never lands in a committed file.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { CompileError, DiagnosticBag, type Diagnostic } from '../diagnostics/index.js';
import { renderEnvVars } from '../project/env-var.js';
import { isRecord, parseYamlLocated } from '../project/yaml-located.js';
import { depsError } from './errors.js';
import type { Env, LockEntry, Where } from './types.js';

export const LOCK_FILE = 'package-lock.yml';

/** One lock entry: as written, rendered for use, and where it is. */
export interface LockedPackage {
  readonly entry: LockEntry;
  readonly rendered: LockEntry;
  readonly at: Where;
}

export interface LockFile {
  readonly packages: readonly LockedPackage[];
  readonly sha1Hash?: string;
}

const HINT = `delete ${LOCK_FILE}, or run \`strata deps --upgrade\` to write it again`;

/**
 * Reads the lock file of the project at `root`; undefined when there is none.
 *
 * @example
 * const lock = await readLockFile('/abs/shop', process.env);
 * lock?.packages[0].entry // { package: 'dbt-labs/dbt_utils', version: '1.3.0', name: 'dbt_utils' }
 */
export async function readLockFile(root: string, env: Env): Promise<LockFile | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(root, LOCK_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const y = parseYamlLocated(text, LOCK_FILE);
  if (y.errors.length) throw new CompileError(y.errors.map((d) => ({ ...d, hint: HINT })));
  const doc = y.value;
  const list = isRecord(doc) ? doc['packages'] : undefined;
  if (!isRecord(doc) || (list !== undefined && list !== null && !Array.isArray(list))) {
    throw new CompileError([depsError('packages-invalid', `${LOCK_FILE} must be a mapping with a 'packages:' list`, { file: LOCK_FILE, line: 1, col: 1 }, HINT)]);
  }
  const diags: Diagnostic[] = [];
  const packages: LockedPackage[] = [];
  (Array.isArray(list) ? list : []).forEach((raw: unknown, i: number) => {
    const at = y.locate(['packages', i]);
    const entry = lockEntry(raw);
    if (!entry) {
      diags.push(depsError('packages-invalid', `${LOCK_FILE} entry ${i + 1} is not a pinned package (local:, git: + revision:, tarball:, or package: + version:)`, at, HINT));
      return;
    }
    const bag = new DiagnosticBag();
    const rendered = lockEntry(renderEnvVars(raw, y, ['packages', i], env, bag));
    diags.push(...bag.errors);
    if (rendered) packages.push({ entry, rendered, at });
  });
  if (diags.length) throw new CompileError(diags);
  const hash = doc['sha1_hash'];
  return { packages, ...(typeof hash === 'string' ? { sha1Hash: hash } : {}) };
}

function lockEntry(raw: unknown): LockEntry | undefined {
  if (!isRecord(raw)) return undefined;
  const s = (k: string): string | undefined => (typeof raw[k] === 'string' ? raw[k] : typeof raw[k] === 'number' ? String(raw[k]) : undefined);
  const name = s('name');
  const named = name !== undefined ? { name } : {};
  const sources = ['local', 'git', 'tarball', 'package'].filter((k) => k in raw);
  if (sources.length !== 1) return undefined;
  const local = s('local');
  const git = s('git');
  const tarball = s('tarball');
  const pkg = s('package');
  const revision = s('revision');
  const version = s('version');
  const sub = s('subdirectory');
  if (local !== undefined) return { local, ...named };
  if (git !== undefined && revision !== undefined) return { git, revision, ...(sub !== undefined ? { subdirectory: sub } : {}), ...named };
  if (tarball !== undefined) return { tarball, ...named };
  if (pkg !== undefined && version !== undefined) return { package: pkg, version, ...named };
  return undefined;
}

/**
 * Writes the lock file (keys in dbt's order: the source, then name, then its pin).
 *
 * @example await writeLockFile('/abs/shop', [{ package: 'dbt-labs/dbt_utils', version: '1.3.0', name: 'dbt_utils' }], 'ab12…')
 */
export async function writeLockFile(root: string, entries: readonly LockEntry[], sha1Hash: string): Promise<string> {
  const packages = entries.map((e) => {
    if ('local' in e) return { local: e.local, name: e.name };
    if ('git' in e) return { git: e.git, name: e.name, revision: e.revision, ...(e.subdirectory ? { subdirectory: e.subdirectory } : {}) };
    if ('tarball' in e) return { tarball: e.tarball, name: e.name };
    return { package: e.package, name: e.name, version: e.version };
  });
  const file = path.join(root, LOCK_FILE);
  await writeFile(file, stringify({ packages, sha1_hash: sha1Hash }, { lineWidth: 0 }));
  return LOCK_FILE;
}
