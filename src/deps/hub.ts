/**
 * The dbt package hub's public JSON API: `GET <hub>/api/v1/<org>/<name>.json` lists every
 * version of a package with its dependencies and tarball. The hub root is
 * `https://hub.getdbt.com/`, or `DBT_PACKAGE_HUB_URL` as dbt honours it.
 */
import semver from 'semver';
import { z } from 'zod';
import { describeFetchError, fail, locationOf } from './errors.js';
import type { Env, Origin } from './types.js';

export const DEFAULT_HUB_URL = 'https://hub.getdbt.com/';

/** One published version of a hub package. */
export interface HubVersion {
  readonly version: string;
  /** The package's project name (its directory under dbt_packages). */
  readonly name: string;
  readonly tarball: string;
  readonly sha1?: string;
  /** Its own dependencies, in packages.yml entry form. */
  readonly packages: readonly unknown[];
}

export interface HubPackage {
  readonly id: string;
  readonly url: string;
  readonly latest?: string;
  readonly versions: ReadonlyMap<string, HubVersion>;
  /** `org/name` the hub says replaced this package, if it is deprecated. */
  readonly redirect?: string;
}

const hubSchema = z.looseObject({
  name: z.string().optional(),
  namespace: z.string().optional(),
  latest: z.string().optional(),
  redirectnamespace: z.string().nullable().optional(),
  redirectname: z.string().nullable().optional(),
  versions: z.record(
    z.string(),
    z.looseObject({
      name: z.string().optional(),
      version: z.string().optional(),
      packages: z.array(z.unknown()).nullable().optional(),
      downloads: z.looseObject({ tarball: z.string(), sha1: z.string().nullable().optional() }),
    }),
  ),
});

/**
 * The API base for package JSON. `DBT_PACKAGE_HUB_URL` is the hub root (as in dbt, which appends
 * `api/v1/`); a value that already ends in `/api/v1` is taken as the API base itself. (When the
 * dbt-style URL is 404, `HubClient` also tries `<DBT_PACKAGE_HUB_URL>/<org>/<name>.json`.)
 *
 * @example hubApiBase({ DBT_PACKAGE_HUB_URL: 'http://127.0.0.1:8080' }) // 'http://127.0.0.1:8080/api/v1/'
 */
export function hubApiBase(env: Env): string {
  const root = (env['DBT_PACKAGE_HUB_URL'] ?? '').trim() || DEFAULT_HUB_URL;
  const withSlash = root.endsWith('/') ? root : `${root}/`;
  return /\/api\/v1\/$/.test(withSlash) ? withSlash : `${withSlash}api/v1/`;
}

/** Reads hub metadata, once per package per run. */
export class HubClient {
  private readonly cache = new Map<string, Promise<HubPackage>>();

  constructor(
    private readonly env: Env,
    private readonly timeoutMs = 60_000,
  ) {}

  /**
   * Metadata of `org/name`; `origin` locates the entry in errors.
   *
   * @example const p = await hub.get('dbt-labs/dbt_utils', origin); p.latest // '1.3.0'
   */
  get(id: string, origin: Origin): Promise<HubPackage> {
    const key = id.toLowerCase();
    let p = this.cache.get(key);
    if (!p) {
      p = this.load(id, origin);
      this.cache.set(key, p);
    }
    return p;
  }

  private async load(id: string, origin: Origin): Promise<HubPackage> {
    const url = `${hubApiBase(this.env)}${id}.json`;
    const where = locationOf(origin);
    const custom = (this.env['DBT_PACKAGE_HUB_URL'] ?? '').trim();
    const unreachable = (why: string, tried = url): never =>
      fail('package-fetch-failed', `could not read package '${id}' from the package hub: GET ${tried} failed: ${why}`, where,
        `check your network connection${custom ? ' and DBT_PACKAGE_HUB_URL' : ''}, or install the package from a \`git:\` or \`local:\` entry instead`);
    let got = await this.getJson(url);
    // DBT_PACKAGE_HUB_URL is the hub root in dbt (`api/v1/` appended); a mirror that serves the
    // JSON at its root directly is tried too, but only after the dbt-style URL was not found.
    if (got.kind === 'status' && got.status === 404 && custom && !/\/api\/v1\/?$/.test(custom)) {
      const direct = `${custom.endsWith('/') ? custom : `${custom}/`}${id}.json`;
      const alt = await this.getJson(direct);
      if (alt.kind === 'ok' && hubSchema.safeParse(alt.body).success) got = alt;
    }
    if (got.kind === 'error') return unreachable(got.why);
    if (got.kind === 'status' && got.status === 404) {
      return fail('package-not-found', `package '${id}' is not on the package hub (GET ${url} returned 404)`, where,
        'check the org/name spelling (packages are listed on hub.getdbt.com), or use a `git:` entry');
    }
    if (got.kind === 'status') return unreachable(`HTTP ${got.status}`);
    const parsed = hubSchema.safeParse(got.body);
    if (!parsed.success) return unreachable('the response is not package metadata (no `versions` with tarball downloads)', got.url);
    const h = parsed.data;
    const fallbackName = id.split('/')[1] ?? id;
    const versions = new Map<string, HubVersion>();
    for (const [v, entry] of Object.entries(h.versions)) {
      if (semver.valid(v) === null) continue;
      versions.set(v, {
        version: v,
        name: entry.name ?? h.name ?? fallbackName,
        tarball: entry.downloads.tarball,
        ...(entry.downloads.sha1 ? { sha1: entry.downloads.sha1 } : {}),
        packages: entry.packages ?? [],
      });
    }
    const redirect = h.redirectnamespace || h.redirectname ? `${h.redirectnamespace ?? id.split('/')[0]}/${h.redirectname ?? fallbackName}` : undefined;
    return { id, url: got.url, versions, ...(h.latest ? { latest: h.latest } : {}), ...(redirect && redirect !== id ? { redirect } : {}) };
  }

  /** GET a JSON document; network failures and non-JSON bodies come back as values, not throws. */
  private async getJson(url: string): Promise<{ kind: 'ok'; url: string; body: unknown } | { kind: 'status'; status: number } | { kind: 'error'; why: string }> {
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } });
    } catch (e) {
      return { kind: 'error', why: describeFetchError(e) };
    }
    if (!res.ok) {
      await res.body?.cancel();
      return { kind: 'status', status: res.status };
    }
    try {
      return { kind: 'ok', url, body: await res.json() };
    } catch (e) {
      return { kind: 'error', why: `the response is not JSON (${describeFetchError(e)})` };
    }
  }
}

/**
 * The highest version satisfying every range. Prereleases count only with `install-prerelease`
 * or when a range names one explicitly (semver's default, which matches dbt).
 *
 * @example pickVersion(['1.3.0', '1.1.1', '0.9.0'], ['>=1.0.0', '<1.2.0'], false) // '1.1.1'
 */
export function pickVersion(versions: Iterable<string>, ranges: readonly string[], prerelease: boolean): string | undefined {
  const ok = [...versions].filter((v) => ranges.every((r) => semver.satisfies(v, r, { includePrerelease: prerelease })));
  return ok.sort(semver.rcompare)[0];
}

/**
 * Newest non-prerelease version, for "update available" (the hub's `latest`, else computed).
 *
 * @example latestVersion(await hub.get('dbt-labs/dbt_utils', origin)) // '1.3.0'
 */
export function latestVersion(pkg: HubPackage): string | undefined {
  return pkg.latest ?? [...pkg.versions.keys()].filter((v) => semver.prerelease(v) === null).sort(semver.rcompare)[0];
}

/**
 * The newer hub version a pinned package could move to, if any ("Updated version available").
 *
 * @example updateAvailable({ version: '1.1.1', latest: '1.3.0' }) // '1.3.0'
 */
export function updateAvailable(p: { readonly version?: string; readonly latest?: string }): string | undefined {
  return p.version && p.latest && semver.valid(p.version) && semver.valid(p.latest) && semver.gt(p.latest, p.version) ? p.latest : undefined;
}
