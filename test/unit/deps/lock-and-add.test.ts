import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addPackage, parseAddPackage } from '../../../src/deps/add-package.js';
import { readLockFile, writeLockFile } from '../../../src/deps/lock-file.js';
import { isCompileError } from '../../../src/diagnostics/index.js';
import { writeTempProject } from '../../helpers/temp-project.js';

describe('package-lock.yml', () => {
  it('round-trips entries, renders env_var only when read', async () => {
    const root = await writeTempProject({});
    await writeLockFile(root, [
      { package: 'dbt-labs/dbt_utils', version: '1.3.0', name: 'dbt_utils' },
      { git: "https://x:{{ env_var('TOKEN') }}@host/o/r.git", revision: 'a'.repeat(40), subdirectory: 'sub', name: 'r' },
      { local: '../p', name: 'p' },
      { tarball: 'https://e.com/t.tar.gz', name: 't' },
    ], 'f'.repeat(40));
    const text = await readFile(path.join(root, 'package-lock.yml'), 'utf8');
    expect(text).toContain("git: https://x:{{ env_var('TOKEN') }}@host/o/r.git");
    expect(text).toMatch(/sha1_hash: f{40}\n$/);
    const lock = await readLockFile(root, { TOKEN: 'sec' });
    expect(lock?.sha1Hash).toBe('f'.repeat(40));
    expect(lock?.packages.map((p) => p.rendered)).toEqual([
      { package: 'dbt-labs/dbt_utils', version: '1.3.0', name: 'dbt_utils' },
      { git: 'https://x:sec@host/o/r.git', revision: 'a'.repeat(40), subdirectory: 'sub', name: 'r' },
      { local: '../p', name: 'p' },
      { tarball: 'https://e.com/t.tar.gz', name: 't' },
    ]);
    expect(lock?.packages[1]?.entry).toMatchObject({ git: "https://x:{{ env_var('TOKEN') }}@host/o/r.git" });
    expect(lock?.packages.map((p) => p.at.line)).toEqual([2, 5, 9, 11]);
  });

  it('is undefined when absent and a located error when an entry is not pinned', async () => {
    const root = await writeTempProject({});
    expect(await readLockFile(root, {})).toBeUndefined();
    await writeFile(path.join(root, 'package-lock.yml'), 'packages:\n  - git: https://x/y.git\nsha1_hash: abc\n');
    const e = await readLockFile(root, {}).catch((x: unknown) => x);
    expect(isCompileError(e) && e.diagnostics.map((d) => [d.code, d.file, d.line, d.col, d.hint])).toEqual([
      ['packages-invalid', 'package-lock.yml', 2, 5, 'delete package-lock.yml, or run `strata deps --upgrade` to write it again'],
    ]);
  });
});

describe('--add-package', () => {
  it('parses hub, git and local values', () => {
    expect(parseAddPackage('dbt-labs/dbt_utils@1.1.1', 'hub')).toEqual({ package: 'dbt-labs/dbt_utils', version: '1.1.1' });
    expect(parseAddPackage('dbt-labs/dbt_utils@>=1.0.0', 'hub')).toEqual({ package: 'dbt-labs/dbt_utils', version: '>=1.0.0' });
    expect(parseAddPackage('https://github.com/o/r.git@v2', 'git')).toEqual({ git: 'https://github.com/o/r.git', revision: 'v2' });
    expect(parseAddPackage('git@github.com:o/r.git', 'git')).toEqual({ git: 'git@github.com:o/r.git' });
    expect(parseAddPackage('git@github.com:o/r.git@main', 'git')).toEqual({ git: 'git@github.com:o/r.git', revision: 'main' });
    expect(parseAddPackage('../pkg', 'local')).toEqual({ local: '../pkg' });
  });

  it('refuses a hub package without a version', () => {
    let err: unknown;
    try {
      parseAddPackage('dbt-labs/dbt_utils', 'hub');
    } catch (e) {
      err = e;
    }
    expect(isCompileError(err) && err.diagnostics[0]?.code).toBe('packages-invalid');
  });

  it('replaces the entry for the same package in place and keeps comments', async () => {
    const root = await writeTempProject({
      'packages.yml': '# deps\npackages:\n  # utilities\n  - package: dbt-labs/dbt_utils\n    version: 1.0.0\n  - local: ../x # local one\n',
    });
    expect(await addPackage(root, { package: 'dbt-labs/DBT_UTILS', version: '1.3.0' })).toBe('packages.yml');
    expect(await readFile(path.join(root, 'packages.yml'), 'utf8')).toBe(
      '# deps\npackages:\n  # utilities\n  - package: dbt-labs/DBT_UTILS\n    version: 1.3.0\n  - local: ../x # local one\n',
    );
  });

  it('creates packages.yml, or writes to dependencies.yml when the packages are there', async () => {
    const fresh = await writeTempProject({});
    await addPackage(fresh, { git: 'https://x/y.git', revision: 'v1' });
    expect(await readFile(path.join(fresh, 'packages.yml'), 'utf8')).toBe('packages:\n  - git: https://x/y.git\n    revision: v1\n');
    const dep = await writeTempProject({ 'dependencies.yml': 'packages:\n  - local: ../a\n' });
    expect(await addPackage(dep, { local: '../b' })).toBe('dependencies.yml');
    expect(await readFile(path.join(dep, 'dependencies.yml'), 'utf8')).toBe('packages:\n  - local: ../a\n  - local: ../b\n');
  });
});
