import { statSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from '../compiler/types.js';
import type { LastRun } from './docs-data.js';
import type { RunArtifacts } from './node-details.js';

/** The columns known before lineage runs, and the recorded results of earlier commands. */
export interface KnownProjectState {
  readonly artifacts: RunArtifacts;
  /** unique_id → columns in order (seed CSV headers, catalog.json); expands `select *`. */
  readonly knownColumns: Record<string, readonly string[]>;
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Header row of a CSV file (quoted fields allowed), read without loading the whole file. */
export async function csvHeader(path: string): Promise<string[] | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
    const fields: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') (cur += '"', i++);
        else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') (fields.push(cur.trim()), (cur = ''));
      else if (ch === '\n' || ch === '\r') break;
      else cur += ch;
    }
    fields.push(cur.trim());
    return fields.filter((f) => f !== '').length ? fields : undefined;
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}

/**
 * Reads what is recorded in `target/` (run_results.json, sources.json, catalog.json in dbt's
 * shapes; all optional) and the header of every seed CSV.
 *
 * @example const { artifacts, knownColumns } = await readProjectState(root, 'target', manifest)
 * // knownColumns['seed.shop.raw_orders'] // ['order_id', 'customer_id', 'amount']
 */
export async function readProjectState(root: string, targetPath: string, manifest: Manifest): Promise<KnownProjectState> {
  const target = join(root, targetPath);
  const [runResults, sources, catalog] = await Promise.all(['run_results.json', 'sources.json', 'catalog.json'].map((f) => readJson(join(target, f))));
  const runs: Record<string, LastRun> = {};
  for (const r of ((runResults as { results?: unknown[] } | undefined)?.results ?? []) as Record<string, unknown>[]) {
    if (typeof r['unique_id'] !== 'string') continue;
    const timing = (r['timing'] as { completed_at?: string }[] | undefined) ?? [];
    const adapterResponse = r['adapter_response'] as { rows_affected?: number } | undefined;
    runs[r['unique_id']] = {
      status: String(r['status'] ?? ''),
      executionTime: Number(r['execution_time'] ?? 0),
      message: typeof r['message'] === 'string' ? r['message'] : null,
      rowsAffected: typeof r['rows_affected'] === 'number' ? r['rows_affected'] : (adapterResponse?.rows_affected ?? null),
      completedAt: timing.at(-1)?.completed_at ?? null,
    };
  }
  const freshness: Record<string, { status: string; maxLoadedAt: string | null; snapshottedAt: string | null }> = {};
  for (const r of ((sources as { results?: unknown[] } | undefined)?.results ?? []) as Record<string, unknown>[]) {
    if (typeof r['unique_id'] !== 'string') continue;
    freshness[r['unique_id']] = {
      status: String(r['status'] ?? ''),
      maxLoadedAt: typeof r['max_loaded_at'] === 'string' ? r['max_loaded_at'] : null,
      snapshottedAt: typeof r['snapshotted_at'] === 'string' ? r['snapshotted_at'] : null,
    };
  }
  const columnTypes: Record<string, Record<string, string>> = {};
  const knownColumns: Record<string, readonly string[]> = {};
  const cat = catalog as { nodes?: Record<string, CatalogTable>; sources?: Record<string, CatalogTable> } | undefined;
  for (const [id, t] of [...Object.entries(cat?.nodes ?? {}), ...Object.entries(cat?.sources ?? {})]) {
    const cols = Object.values(t.columns ?? {}).sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    columnTypes[id] = Object.fromEntries(cols.map((c) => [c.name, c.type]));
    if (cols.length) knownColumns[id] = cols.map((c) => c.name);
  }
  await Promise.all(
    Object.values(manifest.nodes)
      .filter((n) => n.resource_type === 'seed' && !knownColumns[n.unique_id])
      .map(async (n) => {
        const header = await csvHeader(join(root, n.original_file_path));
        if (header) knownColumns[n.unique_id] = header;
      }),
  );
  return { artifacts: { runs, freshness, columnTypes }, knownColumns };
}

interface CatalogTable {
  readonly columns?: Readonly<Record<string, { readonly name: string; readonly type: string; readonly index?: number }>>;
}

/**
 * When each node's files (its SQL or YAML file and the properties file that documents it) last
 * changed, as ISO times: what the landing page lists as "recently changed". `extra` adds nodes
 * that are not in the manifest (semantic models, metrics, feature views: id → file).
 *
 * @example fileChangeTimes(root, manifest) // { 'model.shop.orders': '2026-12-01T09:30:00.000Z', … }
 */
export function fileChangeTimes(root: string, manifest: Manifest, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const filesOf = new Map<string, string[]>();
  const patch = (p: string | null | undefined): string | null => (p ? p.replace(/^[^:/]+:\/\//, '') : null);
  for (const n of Object.values(manifest.nodes)) {
    if (n.resource_type === 'test' || n.resource_type === 'unit_test') continue;
    filesOf.set(n.unique_id, [n.original_file_path, patch(n.patch_path)].filter((f): f is string => !!f));
  }
  for (const s of Object.values(manifest.sources)) filesOf.set(s.unique_id, [s.original_file_path]);
  for (const e of Object.values(manifest.exposures ?? {})) filesOf.set(e.unique_id, [e.original_file_path]);
  for (const [id, f] of Object.entries(extra)) filesOf.set(id, [f]);
  // Synchronous stats: 10,000 of them take ~50 ms, a promise each through the thread pool ~4× that.
  const mtimes = new Map<string, number | null>();
  for (const f of new Set([...filesOf.values()].flat())) mtimes.set(f, statSync(join(root, f), { throwIfNoEntry: false })?.mtimeMs ?? null);
  const out: Record<string, string> = {};
  for (const [id, files] of filesOf) {
    const times = files.map((f) => mtimes.get(f)).filter((t): t is number => typeof t === 'number');
    if (times.length) out[id] = new Date(Math.max(...times)).toISOString();
  }
  return out;
}
