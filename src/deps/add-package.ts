/**
 * `strata deps --add-package name@version [--source hub|git|local]`, as in dbt 1.7+: adds the
 * entry to the packages file (replacing one for the same package), keeping comments and layout.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { CompileError } from '../diagnostics/index.js';
import { isRecord, parseYamlLocated } from '../project/yaml-located.js';
import { fail } from './errors.js';

export type AddSource = 'hub' | 'git' | 'local';

/** The entry `--add-package` writes, keys in the order they appear in the file. */
export type AddedEntry = Readonly<Record<string, string>>;

/**
 * Parses the `--add-package` value into a packages-file entry.
 *
 * @example parseAddPackage('dbt-labs/dbt_utils@1.1.1', 'hub') // { package: 'dbt-labs/dbt_utils', version: '1.1.1' }
 * @example parseAddPackage('https://github.com/o/r.git@v2', 'git') // { git: 'https://github.com/o/r.git', revision: 'v2' }
 */
export function parseAddPackage(value: string, source: AddSource): AddedEntry {
  const where = { file: '--add-package' };
  const at = value.lastIndexOf('@');
  // `git@github.com:org/repo.git` has an @ that is not a revision separator.
  const split = at > 0 && !value.slice(at + 1).includes(':');
  const name = (split ? value.slice(0, at) : value).trim();
  const version = split ? value.slice(at + 1).trim() : undefined;
  if (!name) fail('packages-invalid', `--add-package needs a package, got '${value}'`, where, 'e.g. --add-package dbt-labs/dbt_utils@1.3.0');
  switch (source) {
    case 'hub':
      if (!/^[^/\s]+\/[^/\s]+$/.test(name)) fail('packages-invalid', `--add-package: '${name}' is not a hub package (org/name)`, where, 'use --source git or --source local for other packages');
      if (!version) fail('packages-invalid', `--add-package: a hub package needs a version, e.g. ${name}@1.0.0`, where, 'give an exact version or a range such as ">=1.0.0"');
      return { package: name, version };
    case 'git':
      return version ? { git: name, revision: version } : { git: name };
    case 'local':
      return { local: value.trim() };
  }
}

function sourceKey(entry: AddedEntry): string {
  return ['package', 'git', 'local'].find((k) => k in entry) ?? 'package';
}

/**
 * Writes `entry` into the project's packages file (packages.yml, or dependencies.yml when that
 * is where the packages are; packages.yml is created when neither exists). Returns the file name.
 *
 * @example await addPackage('/abs/shop', { package: 'dbt-labs/dbt_utils', version: '1.3.0' }) // 'packages.yml'
 */
export async function addPackage(root: string, entry: AddedEntry): Promise<string> {
  const dep = path.join(root, 'dependencies.yml');
  let file = 'packages.yml';
  if (!existsSync(path.join(root, 'packages.yml')) && existsSync(dep)) {
    const y = parseYamlLocated(await readFile(dep, 'utf8'), 'dependencies.yml');
    if (isRecord(y.value) && 'packages' in y.value) file = 'dependencies.yml';
  }
  const abs = path.join(root, file);
  const text = existsSync(abs) ? await readFile(abs, 'utf8') : '';
  const located = parseYamlLocated(text, file);
  if (located.errors.length) throw new CompileError(located.errors);
  const doc = parseDocument(text);
  const key = sourceKey(entry);
  const same = (v: unknown): boolean => {
    const s = isScalar(v) ? v.value : v;
    return typeof s === 'string' && (key === 'package' ? s.toLowerCase() === (entry[key] ?? '').toLowerCase() : s === entry[key]);
  };
  const seq = doc.get('packages', true);
  if (isSeq(seq)) {
    const i = seq.items.findIndex((item) => isMap(item) && same(item.get(key, true)));
    if (i >= 0) seq.items[i] = doc.createNode({ ...entry });
    else seq.add(doc.createNode({ ...entry }));
  } else {
    doc.set('packages', doc.createNode([{ ...entry }]));
  }
  await writeFile(abs, doc.toString());
  return file;
}
