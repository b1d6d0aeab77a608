import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RENDER_CACHE_VERSION, codeHash, type RenderCacheData } from './render-cache.js';
import type { Manifest, ManifestNode } from './types.js';

const CACHE_FILE = 'strata_compile_cache.json';

/** Reads the previous compile's render cache; a missing or foreign file means a cold compile. */
export async function readRenderCache(targetDir: string): Promise<RenderCacheData | undefined> {
  try {
    const data = JSON.parse(await readFile(join(targetDir, CACHE_FILE), 'utf8')) as RenderCacheData;
    return data.version === RENDER_CACHE_VERSION ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a file atomically (temp + rename) so a killed process never leaves half a JSON. */
export async function writeAtomic(path: string, contents: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, contents);
  await rename(tmp, path);
}

export async function writeRenderCache(targetDir: string, cache: RenderCacheData): Promise<void> {
  await writeAtomic(join(targetDir, CACHE_FILE), JSON.stringify(cache));
}

export async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

export async function writeManifest(targetDir: string, manifest: Manifest): Promise<void> {
  await writeAtomic(join(targetDir, 'manifest.json'), JSON.stringify(manifest));
}

/** `target/compiled/<project>/<file>` (generic tests: `<yml dir>/<yml name>/<test path>`). */
export function compiledPath(targetDir: string, n: ManifestNode): string {
  const file = n.test_metadata ? join(n.original_file_path, n.path) : n.original_file_path;
  const finalFile = n.resource_type === 'snapshot' ? join(n.original_file_path, `${n.name}.sql`) : file;
  return join(targetDir, 'compiled', n.package_name, finalFile);
}

/**
 * Writes compiled SQL, skipping files whose content hash equals the one recorded by the previous
 * compile (so a warm compile writes only what changed). Returns the number of files written and
 * the hashes of every node's compiled SQL, for the next compile.
 *
 * @example
 * const { written, hashes } = writeCompiled('target', manifest, cache?.compiled);
 * // written: 1 after editing one model; hashes['model.shop.orders']: 'c0ffee…'
 */
export function writeCompiled(
  targetDir: string,
  manifest: Manifest,
  previous: Readonly<Record<string, string>> | undefined,
): { written: number; hashes: Record<string, string> } {
  const files: [string, string][] = [];
  const dirs = new Set<string>();
  const hashes: Record<string, string> = {};
  for (const n of Object.values(manifest.nodes)) {
    if (n.compiled_code === null) continue;
    const h = codeHash(n.compiled_code);
    hashes[n.unique_id] = h;
    if (previous?.[n.unique_id] === h) continue;
    const p = compiledPath(targetDir, n);
    dirs.add(dirname(p));
    files.push([p, n.compiled_code]);
  }
  // Synchronous writes on purpose: thousands of tiny files are bound by file-system metadata
  // work, and the libuv thread pool only adds overhead (measured ~8x slower here).
  for (const d of dirs) mkdirSync(d, { recursive: true });
  for (const [p, code] of files) writeFileSync(p, code);
  return { written: files.length, hashes };
}
