import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from '../compiler/artifacts.js';
import type { LineageCache, NodeColumnLineage } from './project-lineage.js';

const FILE = 'strata_lineage_cache.json';
const VERSION = 1;

/** Reads `target/strata_lineage_cache.json`; a missing or foreign file is an empty cache. */
export async function readLineageCache(targetDir: string): Promise<LineageCache> {
  try {
    const j = JSON.parse(await readFile(join(targetDir, FILE), 'utf8')) as { version?: number; entries?: Record<string, { key: string; result: NodeColumnLineage }> };
    return j.version === VERSION ? new Map(Object.entries(j.entries ?? {})) : new Map();
  } catch {
    return new Map();
  }
}

/** Writes the cache, keeping only entries of nodes that still exist. */
export async function writeLineageCache(targetDir: string, cache: LineageCache, keep: ReadonlySet<string>): Promise<void> {
  const entries: Record<string, unknown> = {};
  for (const [id, e] of cache) if (keep.has(id)) entries[id] = e;
  await writeAtomic(join(targetDir, FILE), JSON.stringify({ version: VERSION, entries }));
}
