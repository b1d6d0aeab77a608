import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HubClient } from '../../../src/deps/hub.js';
import { resolvePackages } from '../../../src/deps/resolve.js';
import { readPackagesFile } from '../../../src/deps/spec-file.js';
import { Stager } from '../../../src/deps/stage.js';
import { isCompileError } from '../../../src/diagnostics/index.js';
import { writeTempProject } from '../../helpers/temp-project.js';

async function resolveIn(files: Record<string, string>) {
  const dir = await writeTempProject(files);
  const root = path.join(dir, 'root');
  const staging = path.join(dir, 'staging');
  await mkdir(staging);
  const declared = (await readPackagesFile(root, { root, env: {} })).declared;
  return resolvePackages(declared, {
    root, rootName: 'root', env: {}, installPath: 'dbt_packages',
    hub: new HubClient({ DBT_PACKAGE_HUB_URL: 'http://127.0.0.1:1' }), stager: new Stager(root, staging, {}),
  });
}

describe('resolvePackages', () => {
  it('follows local packages transitively, relative to each package, and stops at cycles', async () => {
    const r = await resolveIn({
      'root/dbt_project.yml': 'name: root\n',
      'root/packages.yml': 'packages:\n  - local: ../libs/a\n',
      'libs/a/dbt_project.yml': 'name: a\n',
      'libs/a/packages.yml': 'packages:\n  - local: ../b\n',
      'libs/b/dbt_project.yml': 'name: b\n',
      'libs/b/dependencies.yml': 'packages:\n  - local: ../a\n',
    });
    expect(r.packages.map((p) => [p.name, p.lock])).toEqual([
      ['a', { local: '../libs/a', name: 'a' }],
      ['b', { local: '../libs/b', name: 'b' }],
    ]);
    expect(r.packages[1]?.origin).toEqual({
      at: { file: '../libs/a/packages.yml', line: 2, col: 5 },
      via: 'a',
      root: { file: 'packages.yml', line: 2, col: 5 },
    });
  });

  it('locates an error in a transitive packages file there', async () => {
    const e = await resolveIn({
      'root/dbt_project.yml': 'name: root\n',
      'root/packages.yml': 'packages:\n  - local: ../a\n',
      'a/dbt_project.yml': 'name: a\n',
      'a/packages.yml': 'packages:\n  - local: ../missing\n',
    }).catch((x: unknown) => x);
    expect(isCompileError(e) && e.diagnostics.map((d) => [d.code, d.file, d.line, d.message, d.hint])).toEqual([
      ['package-not-found', '../a/packages.yml', 2, 'local package directory ../missing does not exist', 'the path is relative to the package that lists it (a)'],
    ]);
  });

  it('refuses a package named like the root project', async () => {
    const e = await resolveIn({
      'root/dbt_project.yml': 'name: root\n',
      'root/packages.yml': 'packages:\n  - local: ../copy\n',
      'copy/dbt_project.yml': 'name: root\n',
    }).catch((x: unknown) => x);
    expect(isCompileError(e) && e.diagnostics.map((d) => [d.code, d.line])).toEqual([['package-conflict', 2]]);
  });
});
