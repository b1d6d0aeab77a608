/** Downloads a package `.tar.gz` (hub or `tarball:` entries) and unpacks it into a staging directory. */

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { x as extract } from 'tar';
import { describeFetchError, fail, redactUrl } from './errors.js';
import type { Where } from './types.js';

export interface TarballOptions {
  /** The package, for messages (`dbt-labs/dbt_utils 1.3.0`, a tarball URL). */
  readonly label: string;
  readonly where: Where;
  readonly timeoutMs?: number;
}

async function download(url: string, o: TarballOptions): Promise<Buffer> {
  const shown = redactUrl(url);
  const hint = 'check your network connection and the URL, or install the package from a `local:` or `git:` entry instead';
  if (/^file:/i.test(url)) {
    try {
      return await readFile(fileURLToPath(url));
    } catch (e) {
      return fail('package-fetch-failed', `could not read the archive of ${o.label} at ${shown}: ${(e as Error).message}`, o.where, hint);
    }
  }
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(o.timeoutMs ?? 120_000) });
  } catch (e) {
    return fail('package-fetch-failed', `could not download ${o.label}: GET ${shown} failed: ${describeFetchError(e)}`, o.where, hint);
  }
  if (!res.ok) {
    await res.body?.cancel();
    const code = res.status === 404 ? 'package-not-found' : 'package-fetch-failed';
    return fail(code, `could not download ${o.label}: GET ${shown} returned HTTP ${res.status}`, o.where, hint);
  }
  try {
    return Buffer.from(await res.arrayBuffer());
  } catch (e) {
    return fail('package-fetch-failed', `could not download ${o.label}: reading ${shown} failed: ${describeFetchError(e)}`, o.where, hint);
  }
}

/**
 * Fetches the archive at `url` and unpacks it into `dest` (created). Returns the package's root
 * (`dest` itself, or its single top-level directory when the archive has one: GitHub and hub
 * tarballs wrap everything in `<repo>-<version>/`) and the archive's sha1.
 *
 * @example
 * const t = await fetchTarball('https://codeload.github.com/o/r/tar.gz/1.0.0', '/p/dbt_packages/.strata-tmp-x/t1', { label: 'o/r', where })
 * t.root // '/p/dbt_packages/.strata-tmp-x/t1/r-1.0.0'
 */
export async function fetchTarball(url: string, dest: string, o: TarballOptions): Promise<{ root: string; sha1: string }> {
  const bytes = await download(url, o);
  const sha1 = createHash('sha1').update(bytes).digest('hex');
  await mkdir(dest, { recursive: true });
  const archive = `${dest}.tar.gz`;
  await writeFile(archive, bytes);
  try {
    // node-tar refuses absolute paths and `..` entries by default, so nothing escapes `dest`.
    await extract({ file: archive, cwd: dest, strict: true });
  } catch (e) {
    fail('packages-invalid', `the archive of ${o.label} from ${redactUrl(url)} is not a valid .tar.gz: ${(e as Error).message}`, o.where,
      'check that the URL points at a gzipped tarball of a dbt package');
  } finally {
    await rm(archive, { force: true });
  }
  const entries = await readdir(dest, { withFileTypes: true });
  const only = entries.length === 1 ? entries[0] : undefined;
  return { root: only?.isDirectory() ? path.join(dest, only.name) : dest, sha1 };
}
