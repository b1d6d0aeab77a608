import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { closedPortUrl, startFakeHub, type FakeHub } from '../fixtures/deps/fake-hub.js';
import { strata } from '../helpers/strata-cli.js';
import { writeTempProject } from '../helpers/temp-project.js';

let hub: FakeHub;

beforeAll(async () => {
  hub = await startFakeHub();
  for (const version of ['0.9.0', '1.1.1', '1.3.0', '2.0.0', '2.1.0-b1']) await hub.publish('dbt-labs/dbt_utils', { version });
  await hub.publish('acme/not_a_project', { version: '1.0.0' });
  await hub.publish('calogica/dbt_date', { version: '0.10.0', packages: [{ package: 'dbt-labs/dbt_utils', version: ['>=1.0.0', '<1.2.0'] }] });
});
afterAll(() => hub.close());
beforeEach(() => {
  process.env['DBT_PACKAGE_HUB_URL'] = hub.url;
});

function project(packagesYml: string): Promise<string> {
  return writeTempProject({ 'dbt_project.yml': 'name: shop\nclean-targets: [target, dbt_packages]\n', 'packages.yml': packagesYml });
}

/** The version baked into an installed package's dbt_project.yml by the fake hub. */
async function installedVersion(root: string, name: string): Promise<string> {
  return (parse(await readFile(path.join(root, 'dbt_packages', name, 'dbt_project.yml'), 'utf8')) as { version: string }).version;
}

const lockOf = async (root: string): Promise<{ packages: Record<string, string>[]; sha1_hash: string }> =>
  parse(await readFile(path.join(root, 'package-lock.yml'), 'utf8')) as { packages: Record<string, string>[]; sha1_hash: string };

describe('strata deps with hub packages', () => {
  it('installs the highest version inside every range, stripping the archive directory', async () => {
    const root = await project('packages:\n  - package: dbt-labs/dbt_utils\n    version: [">=1.0.0", "<2.0.0"]\n');
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await installedVersion(root, 'dbt_utils')).toBe('1.3.0');
    expect(await readFile(path.join(root, 'dbt_packages', 'dbt_utils', 'macros', 'star.sql'), 'utf8')).toContain('dbt_utils 1.3.0');
    expect(r.stdout).toContain('Installing dbt-labs/dbt_utils 1.3.0\n  Updated version available: 2.0.0\n');
    expect((await lockOf(root)).packages).toEqual([{ package: 'dbt-labs/dbt_utils', name: 'dbt_utils', version: '1.3.0' }]);
  });

  it('takes an exact version, and prereleases only with install-prerelease', async () => {
    const exact = await project('packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.1.1\n');
    expect((await strata(['deps', '--project-dir', exact])).code).toBe(0);
    expect(await installedVersion(exact, 'dbt_utils')).toBe('1.1.1');

    const stable = await project('packages:\n  - package: dbt-labs/dbt_utils\n    version: ">=2.0.0"\n');
    const s = await strata(['deps', '--project-dir', stable]);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain('Up to date!');
    expect(await installedVersion(stable, 'dbt_utils')).toBe('2.0.0');

    const pre = await project('packages:\n  - package: dbt-labs/dbt_utils\n    version: ">=2.0.0"\n    install-prerelease: true\n');
    expect((await strata(['deps', '--project-dir', pre])).code).toBe(0);
    expect(await installedVersion(pre, 'dbt_utils')).toBe('2.1.0-b1');
  });

  it('resolves transitive hub dependencies by intersecting ranges', async () => {
    const root = await project('packages:\n  - package: dbt-labs/dbt_utils\n    version: ">=1.0.0"\n  - package: calogica/dbt_date\n    version: 0.10.0\n');
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // dbt_date allows <1.2.0, so 1.1.1 rather than 2.0.0.
    expect(await installedVersion(root, 'dbt_utils')).toBe('1.1.1');
    expect(await installedVersion(root, 'dbt_date')).toBe('0.10.0');
    expect((await lockOf(root)).packages).toEqual([
      { package: 'dbt-labs/dbt_utils', name: 'dbt_utils', version: '1.1.1' },
      { package: 'calogica/dbt_date', name: 'dbt_date', version: '0.10.0' },
    ]);
  });

  it('fails with package-conflict naming both requirements, keeping the installed packages', async () => {
    const root = await project('packages:\n  - package: dbt-labs/dbt_utils\n    version: "1.3.0"\n');
    expect((await strata(['deps', '--project-dir', root])).code).toBe(0);
    const lockBefore = await readFile(path.join(root, 'package-lock.yml'), 'utf8');
    await writeFile(path.join(root, 'packages.yml'), 'packages:\n  - package: calogica/dbt_date\n    version: 0.10.0\n  - package: dbt-labs/dbt_utils\n    version: ">=1.3.0"\n');
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "packages.yml:4:5: error[package-conflict]: no version of 'dbt-labs/dbt_utils' satisfies every requirement: '>=1.3.0' (packages.yml:4) and '>=1.0.0', '<1.2.0' (calogica/dbt_date 0.10.0); available: 0.9.0, 1.1.1, 1.3.0",
    );
    expect(await installedVersion(root, 'dbt_utils')).toBe('1.3.0');
    expect(existsSync(path.join(root, 'dbt_packages', 'dbt_date'))).toBe(false);
    expect(await readFile(path.join(root, 'package-lock.yml'), 'utf8')).toBe(lockBefore);
  });

  it('leaves dbt_packages, the lock and no staging behind when an install fails after resolution', async () => {
    const root = await project('packages:\n  - package: dbt-labs/dbt_utils\n    version: "1.3.0"\n');
    expect((await strata(['deps', '--project-dir', root])).code).toBe(0);
    const lockBefore = await readFile(path.join(root, 'package-lock.yml'), 'utf8');
    await writeFile(path.join(root, 'packages.yml'), 'packages:\n  - package: dbt-labs/dbt_utils\n    version: "1.1.1"\n  - package: acme/not_a_project\n    version: 1.0.0\n');
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('packages.yml:4:5: error[packages-invalid]: acme/not_a_project 1.0.0 has no dbt_project.yml');
    // dbt_utils 1.1.1 was downloaded and ready, but nothing was moved into place.
    expect(await installedVersion(root, 'dbt_utils')).toBe('1.3.0');
    expect(await readdir(path.join(root, 'dbt_packages'))).toEqual(['dbt_utils']);
    expect(await readFile(path.join(root, 'package-lock.yml'), 'utf8')).toBe(lockBefore);
  });

  it('prints one JSON event per line with --log-format json', async () => {
    const root = await project('packages:\n  - package: dbt-labs/dbt_utils\n    version: "1.3.0"\n');
    const r = await strata(['deps', '--project-dir', root, '--log-format', 'json']);
    expect(r.code).toBe(0);
    const events = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toContainEqual(expect.objectContaining({ type: 'info', message: 'Installing dbt-labs/dbt_utils 1.3.0', name: 'dbt_utils', version: '1.3.0' }));
  });

  it('installs from the lock while it matches, re-resolves with --upgrade or a changed packages.yml', async () => {
    const ranges = 'packages:\n  - package: dbt-labs/dbt_utils\n    version: [">=1.0.0", "<2.0.0"]\n';
    const root = await project(ranges);
    expect((await strata(['deps', '--project-dir', root])).code).toBe(0);
    expect(await installedVersion(root, 'dbt_utils')).toBe('1.3.0');
    const lock = await lockOf(root);

    await hub.publish('dbt-labs/dbt_utils', { version: '1.4.0' });
    // Comments do not change the hash: still the locked version.
    await writeFile(path.join(root, 'packages.yml'), `# pinned by package-lock.yml\n${ranges}`);
    const again = await strata(['deps', '--project-dir', root]);
    expect(again.code).toBe(0);
    expect(await installedVersion(root, 'dbt_utils')).toBe('1.3.0');
    expect(await lockOf(root)).toEqual(lock);
    expect(again.stdout).not.toContain('Updating lock file');

    const up = await strata(['deps', '--project-dir', root, '--upgrade']);
    expect(up.code).toBe(0);
    expect(await installedVersion(root, 'dbt_utils')).toBe('1.4.0');
    expect((await lockOf(root)).packages[0]?.['version']).toBe('1.4.0');
    expect((await lockOf(root)).sha1_hash).toBe(lock.sha1_hash);

    await writeFile(path.join(root, 'packages.yml'), 'packages:\n  - package: dbt-labs/dbt_utils\n    version: "<1.2.0"\n');
    const changed = await strata(['deps', '--project-dir', root]);
    expect(changed.code).toBe(0);
    expect(changed.stdout).toContain('package-lock.yml does not match the packages file any more: resolving again');
    expect(await installedVersion(root, 'dbt_utils')).toBe('1.1.1');
    expect((await lockOf(root)).sha1_hash).not.toBe(lock.sha1_hash);
  });

  it('writes only the lock with --lock', async () => {
    const root = await project('packages:\n  - package: dbt-labs/dbt_utils\n    version: "<1.2.0"\n');
    const r = await strata(['deps', '--project-dir', root, '--lock']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Resolved dbt-labs/dbt_utils 1.1.1');
    expect((await lockOf(root)).packages).toEqual([{ package: 'dbt-labs/dbt_utils', name: 'dbt_utils', version: '1.1.1' }]);
    expect(existsSync(path.join(root, 'dbt_packages'))).toBe(false);
    const again = await strata(['deps', '--project-dir', root, '--lock']);
    expect(again.stdout).toContain('package-lock.yml is up to date');
  });

  it('adds a hub package with --add-package', async () => {
    const root = await project('packages:\n  - package: calogica/dbt_date\n    version: 0.10.0\n');
    const r = await strata(['deps', '--project-dir', root, '--add-package', 'dbt-labs/dbt_utils@1.1.1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(parse(await readFile(path.join(root, 'packages.yml'), 'utf8'))).toEqual({
      packages: [{ package: 'calogica/dbt_date', version: '0.10.0' }, { package: 'dbt-labs/dbt_utils', version: '1.1.1' }],
    });
    expect(await installedVersion(root, 'dbt_utils')).toBe('1.1.1');
  });

  it('keeps a failed --add-package entry in packages.yml (as dbt) but installs nothing', async () => {
    const root = await project('packages:\n  - package: calogica/dbt_date\n    version: 0.10.0\n');
    const r = await strata(['deps', '--project-dir', root, '--add-package', 'dbt-labs/dbt_utils@9.9.9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("packages.yml:4:5: error[package-not-found]: no version of 'dbt-labs/dbt_utils' matches '9.9.9' (available: 0.9.0, 1.1.1, 1.3.0,");
    expect(r.stderr).toContain('> 4 |   - package: dbt-labs/dbt_utils');
    expect(await readFile(path.join(root, 'packages.yml'), 'utf8')).toContain('version: 9.9.9');
    expect(existsSync(path.join(root, 'dbt_packages'))).toBe(false);
    expect(existsSync(path.join(root, 'package-lock.yml'))).toBe(false);
  });

  it('installs a tarball entry and a local package with a hub dependency, again from the lock', async () => {
    const root = await writeTempProject({
      'project/dbt_project.yml': 'name: shop\n',
      'project/packages.yml': `packages:\n  - tarball: ${hub.url}/tarballs/dbt_date-0.10.0.tar.gz\n    name: dates\n  - local: ../local_pkg\n`,
      'local_pkg/dbt_project.yml': 'name: local_pkg\n',
      'local_pkg/packages.yml': 'packages:\n  - package: dbt-labs/dbt_utils\n    version: "<1.2.0"\n',
    }).then((d) => path.join(d, 'project'));
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await installedVersion(root, 'dates')).toBe('0.10.0');
    expect(await installedVersion(root, 'dbt_utils')).toBe('1.1.1');
    expect((await lockOf(root)).packages).toEqual([
      { tarball: `${hub.url}/tarballs/dbt_date-0.10.0.tar.gz`, name: 'dates' },
      { local: '../local_pkg', name: 'local_pkg' },
      { package: 'dbt-labs/dbt_utils', name: 'dbt_utils', version: '1.1.1' },
    ]);
    await rm(path.join(root, 'dbt_packages'), { recursive: true });
    const again = await strata(['deps', '--project-dir', root]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('Updating lock file');
    expect(await installedVersion(root, 'dates')).toBe('0.10.0');
    expect(await installedVersion(root, 'dbt_utils')).toBe('1.1.1');
  });

  it('reads the hub at DBT_PACKAGE_HUB_URL/api/v1/ (dbt), at an explicit .../api/v1, or at a mirror root', async () => {
    const root = await project('packages:\n  - package: dbt-labs/dbt_utils\n    version: "1.1.1"\n');
    process.env['DBT_PACKAGE_HUB_URL'] = `${hub.url}/api/v1/`;
    const seen = hub.requests.length;
    expect((await strata(['deps', '--project-dir', root])).code).toBe(0);
    expect(hub.requests.slice(seen)).toEqual(['/api/v1/dbt-labs/dbt_utils.json', '/tarballs/dbt_utils-1.1.1.tar.gz']);
    const mirror = await startFakeHub('');
    try {
      await mirror.publish('dbt-labs/dbt_utils', { version: '1.1.1' });
      process.env['DBT_PACKAGE_HUB_URL'] = mirror.url;
      const r = await strata(['deps', '--project-dir', root, '--upgrade']);
      expect(r.code).toBe(0);
      expect(mirror.requests.slice(0, 2)).toEqual(['/api/v1/dbt-labs/dbt_utils.json', '/dbt-labs/dbt_utils.json']);
      expect(await installedVersion(root, 'dbt_utils')).toBe('1.1.1');
    } finally {
      await mirror.close();
    }
  });

  it('fails with package-not-found for a package the hub does not have', async () => {
    const root = await project('packages:\n  - package: dbt-labs/dbt_utilz\n    version: 1.0.0\n');
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`packages.yml:2:5: error[package-not-found]: package 'dbt-labs/dbt_utilz' is not on the package hub (GET ${hub.url}/api/v1/dbt-labs/dbt_utilz.json returned 404)`);
  });

  it('fails with exit 2 naming the package and URL when the hub is unreachable', async () => {
    const closed = await closedPortUrl();
    process.env['DBT_PACKAGE_HUB_URL'] = closed;
    const root = await project('packages:\n  - package: dbt-labs/dbt_utils\n    version: ">=1.0.0"\n');
    const r = await strata(['deps', '--project-dir', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `packages.yml:2:5: error[package-fetch-failed]: could not read package 'dbt-labs/dbt_utils' from the package hub: GET ${closed}/api/v1/dbt-labs/dbt_utils.json failed: connection refused (ECONNREFUSED)`,
    );
    expect(r.stderr).toContain('hint: check your network connection and DBT_PACKAGE_HUB_URL, or install the package from a `git:` or `local:` entry instead');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(root, 'dbt_packages'))).toBe(false);
  });
});
