import { describe, expect, it } from 'vitest';
import { describeFetchError, describeWhere, redactText, redactUrl } from '../../../src/deps/errors.js';
import { hubApiBase, latestVersion, pickVersion, updateAvailable, type HubPackage } from '../../../src/deps/hub.js';

const VERSIONS = ['0.9.0', '1.1.1', '1.3.0', '2.0.0', '2.1.0-b1'];

describe('pickVersion', () => {
  it('takes the highest version inside every range', () => {
    expect(pickVersion(VERSIONS, ['>=1.0.0', '<2.0.0'], false)).toBe('1.3.0');
    expect(pickVersion(VERSIONS, ['>=1.0.0 <1.2.0'], false)).toBe('1.1.1');
    expect(pickVersion(VERSIONS, ['1.1.1'], false)).toBe('1.1.1');
    expect(pickVersion(VERSIONS, ['=0.9.0'], false)).toBe('0.9.0');
    expect(pickVersion(VERSIONS, ['>=1.0.0'], false)).toBe('2.0.0');
  });

  it('leaves prereleases out unless asked or named', () => {
    expect(pickVersion(VERSIONS, ['>=2.0.0'], true)).toBe('2.1.0-b1');
    expect(pickVersion(VERSIONS, ['2.1.0-b1'], false)).toBe('2.1.0-b1');
    expect(pickVersion(['2.1.0-b1'], ['>=2.0.0'], false)).toBeUndefined();
  });

  it('finds nothing when the ranges do not overlap', () => {
    expect(pickVersion(VERSIONS, ['<1.0.0', '>=1.3.0'], false)).toBeUndefined();
  });
});

describe('hub helpers', () => {
  it('appends api/v1/ to DBT_PACKAGE_HUB_URL as dbt does, unless it is already there', () => {
    expect(hubApiBase({})).toBe('https://hub.getdbt.com/api/v1/');
    expect(hubApiBase({ DBT_PACKAGE_HUB_URL: 'http://127.0.0.1:8080' })).toBe('http://127.0.0.1:8080/api/v1/');
    expect(hubApiBase({ DBT_PACKAGE_HUB_URL: 'https://mirror.example.com/hub/api/v1' })).toBe('https://mirror.example.com/hub/api/v1/');
  });

  it('tells when a newer version exists', () => {
    const pkg: HubPackage = { id: 'a/b', url: 'u', versions: new Map(VERSIONS.map((v) => [v, { version: v, name: 'b', tarball: 't', packages: [] }])) };
    expect(latestVersion(pkg)).toBe('2.0.0');
    expect(updateAvailable({ version: '1.3.0', latest: '2.0.0' })).toBe('2.0.0');
    expect(updateAvailable({ version: '2.0.0', latest: '2.0.0' })).toBeUndefined();
    expect(updateAvailable({ version: '2.1.0-b1', latest: '2.0.0' })).toBeUndefined();
  });
});

describe('error helpers', () => {
  it('hides credentials in URLs and in git output', () => {
    expect(redactUrl('https://x-access-token:ghp_abc@github.com/o/r.git')).toBe('https://***@github.com/o/r.git');
    expect(redactUrl('git@github.com:o/r.git')).toBe('git@github.com:o/r.git');
    expect(redactText("fatal: unable to access 'https://tok@github.com/o/r.git/': 403")).toBe("fatal: unable to access 'https://***@github.com/o/r.git/': 403");
  });

  it('names the errno hidden in a fetch error', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    expect(describeFetchError(refused)).toBe('connection refused (ECONNREFUSED)');
    expect(describeFetchError(new TypeError('fetch failed', { cause: new Error('bad port') }))).toBe('fetch failed: bad port');
    expect(describeFetchError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe('timed out');
  });

  it('describes who requires a package', () => {
    const root = { file: 'packages.yml', line: 2, col: 5 };
    expect(describeWhere({ at: root, root })).toBe('packages.yml:2');
    expect(describeWhere({ at: { file: '../a/packages.yml', line: 3, col: 5 }, via: 'pkg_a', root })).toBe('pkg_a (../a/packages.yml:3)');
    expect(describeWhere({ at: { file: 'http://hub/x.json' }, via: 'org/x 1.0.0', root })).toBe('org/x 1.0.0');
  });
});
