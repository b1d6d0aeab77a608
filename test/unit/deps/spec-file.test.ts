import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCompileError, type Diagnostic } from '../../../src/diagnostics/index.js';
import { packagesHash, readPackagesFile } from '../../../src/deps/spec-file.js';
import { writeTempProject } from '../../helpers/temp-project.js';

async function read(files: Record<string, string>, env: Record<string, string> = {}) {
  const root = await writeTempProject(files);
  return { root, r: await readPackagesFile(root, { root, env }) };
}

async function diagnosticsOf(files: Record<string, string>, env: Record<string, string> = {}): Promise<Diagnostic[]> {
  try {
    await read(files, env);
  } catch (e) {
    if (isCompileError(e)) return [...e.diagnostics];
    throw e;
  }
  throw new Error('expected a CompileError');
}

describe('readPackagesFile', () => {
  it('reads every entry kind with its location', async () => {
    const { root, r } = await read({
      'packages.yml': [
        'packages:',
        '  - package: dbt-labs/dbt_utils',
        '    version: [">=1.0.0", "<2.0.0"]',
        '  - git: https://github.com/dbt-labs/dbt-codegen.git',
        '    revision: 1.10',
        '    subdirectory: sub/',
        '  - local: ../pkg',
        '  - tarball: https://example.com/p.tar.gz',
        '    name: p',
        '  - package: calogica/dbt_date',
        '    version: 0.10',
        '    install-prerelease: true',
        '',
      ].join('\n'),
    });
    expect(r.file).toBe('packages.yml');
    expect(r.declared.map((d) => d.spec)).toEqual([
      { kind: 'hub', id: 'dbt-labs/dbt_utils', ranges: ['>=1.0.0', '<2.0.0'], prerelease: false },
      { kind: 'git', url: 'https://github.com/dbt-labs/dbt-codegen.git', revision: '1.10', subdirectory: 'sub', warnUnpinned: true },
      { kind: 'local', path: '../pkg', abs: path.resolve(root, '../pkg') },
      { kind: 'tarball', url: 'https://example.com/p.tar.gz', name: 'p' },
      // YAML reads 0.10 as the number 0.1; the version is taken as written.
      { kind: 'hub', id: 'calogica/dbt_date', ranges: ['0.10'], prerelease: true },
    ]);
    expect(r.declared.map((d) => [d.origin.at.line, d.origin.at.col])).toEqual([[2, 5], [4, 5], [7, 5], [8, 5], [10, 5]]);
    expect(r.declared[0]?.origin.root).toEqual(r.declared[0]?.origin.at);
  });

  it('renders env_var, keeping the unrendered entry for the lock file', async () => {
    const { r } = await read(
      { 'packages.yml': "packages:\n  - git: \"https://x:{{ env_var('TOKEN') }}@host/o/r.git\"\n    revision: \"{{ env_var('REV', 'v1') }}\"\n" },
      { TOKEN: 's3cret' },
    );
    expect(r.declared[0]?.spec).toMatchObject({ url: 'https://x:s3cret@host/o/r.git', revision: 'v1' });
    expect(r.declared[0]?.raw).toEqual({ git: "https://x:{{ env_var('TOKEN') }}@host/o/r.git", revision: "{{ env_var('REV', 'v1') }}" });
  });

  it('reports a missing environment variable at its line', async () => {
    const ds = await diagnosticsOf({ 'packages.yml': "packages:\n  - git: \"{{ env_var('NOPE') }}\"\n" });
    expect(ds.map((d) => [d.code, d.file, d.line, d.col])).toEqual([['env-var-undefined', 'packages.yml', 2, 10]]);
  });

  it('falls back to dependencies.yml and refuses packages in both files', async () => {
    const { r } = await read({ 'dependencies.yml': 'projects:\n  - name: other\npackages:\n  - local: ../x\n' });
    expect(r.file).toBe('dependencies.yml');
    expect(r.declared[0]?.origin.at).toEqual({ file: 'dependencies.yml', line: 4, col: 5 });
    const ds = await diagnosticsOf({ 'packages.yml': 'packages: []\n', 'dependencies.yml': 'packages: []\n' });
    expect(ds.map((d) => [d.code, d.file, d.line, d.message])).toEqual([
      ['packages-invalid', 'dependencies.yml', 1, "'packages' is listed in both packages.yml and dependencies.yml"],
    ]);
  });

  it('returns nothing when there is no packages file', async () => {
    const { r } = await read({ 'dbt_project.yml': 'name: x\n' });
    expect(r).toEqual({ declared: [], rawEntries: [] });
  });

  it('reports invalid entries, each at its own position', async () => {
    const ds = await diagnosticsOf({
      'packages.yml': [
        'packages:',
        '  - package: dbt_utils',
        '    version: 1.0.0',
        '  - package: dbt-labs/dbt_utils',
        '  - package: dbt-labs/dbt_utils',
        '    version: not-a-range',
        '  - git: https://x/y.git',
        '    revison: v1',
        '  - git: https://x/y.git',
        '    local: ../y',
        '  - private: org/repo',
        '  - local: ../z',
        '    warn-unpinned: yes please',
        'extra: 1',
        '',
      ].join('\n'),
    });
    expect(ds.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}${d.hint ? ` | ${d.hint}` : ''}`)).toEqual([
      "14:1 packages-invalid unknown key 'extra' in packages.yml | only 'packages:' belongs here",
      "2:14 packages-invalid 'package' must be 'org/name', e.g. dbt-labs/dbt_utils (got 'dbt_utils')",
      "4:5 packages-invalid hub package 'dbt-labs/dbt_utils' needs a version | add e.g. `version: [\">=1.0.0\", \"<2.0.0\"]`",
      "6:14 packages-invalid 'not-a-range' is not a valid version or range | use e.g. \"1.1.1\", \">=1.0.0\" or [\">=1.0.0\", \"<2.0.0\"]",
      "8:5 packages-invalid unknown key 'revison' in a git: package entry | did you mean 'revision'?",
      '9:5 packages-invalid a package entry needs exactly one of package:, git:, local: or tarball: (found git and local)',
      '11:5 packages-invalid `private:` packages need dbt Cloud and are not supported | use a `git:` entry with the repository URL (a token can come from env_var)',
      "13:5 packages-invalid unknown key 'warn-unpinned' in a local: package entry | a local: entry may have local, name",
    ]);
  });
});

describe('packagesHash', () => {
  it('ignores key order and entry order but not values', () => {
    const a = packagesHash([{ package: 'dbt-labs/dbt_utils', version: '1.1.1' }, { local: '../x' }]);
    expect(a).toMatch(/^[0-9a-f]{40}$/);
    expect(packagesHash([{ local: '../x' }, { version: '1.1.1', package: 'dbt-labs/dbt_utils' }])).toBe(a);
    expect(packagesHash([{ package: 'dbt-labs/dbt_utils', version: '1.1.2' }, { local: '../x' }])).not.toBe(a);
  });
});
