import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics/index.js';
import type { SchemaFile } from './types.js';

/** A parsed schema YAML file (or null: not a schema file) and the warnings it produced. */
export interface SchemaCacheEntry {
  readonly schema: SchemaFile | null;
  readonly warnings: readonly Diagnostic[];
}

const FILE = 'strata_schema_cache.json';
const VERSION = 2;

/** Reads `target/strata_schema_cache.json`; anything unreadable means "no cache". */
export async function readSchemaCache(
  root: string,
  targetPath: string,
): Promise<Record<string, SchemaCacheEntry> | undefined> {
  try {
    const data = JSON.parse(await readFile(path.join(root, targetPath, FILE), 'utf8')) as {
      version: number;
      entries: Record<string, SchemaCacheEntry>;
    };
    return data.version === VERSION ? data.entries : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the cache when its keys changed (a warm load with no edits writes nothing). */
export async function writeSchemaCache(
  root: string,
  targetPath: string,
  before: Record<string, SchemaCacheEntry> | undefined,
  after: Record<string, SchemaCacheEntry>,
): Promise<void> {
  const a = before ? Object.keys(before) : [];
  const b = Object.keys(after);
  if (before && a.length === b.length && b.every((k) => k in before)) return;
  const dir = path.join(root, targetPath);
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `${FILE}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify({ version: VERSION, entries: after }));
  await rename(tmp, path.join(dir, FILE));
}
