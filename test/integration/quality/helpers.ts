import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface RunResultRow {
  readonly unique_id: string;
  readonly status: string;
  readonly message: string | null;
  readonly failures: number | null;
}

/** `target/run_results.json` results keyed by unique id (generic test ids without the hash). */
export async function runResults(dir: string): Promise<Record<string, RunResultRow>> {
  const body = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8')) as { results: RunResultRow[] };
  return Object.fromEntries(body.results.map((r) => [r.unique_id.replace(/\.[0-9a-f]{10}$/, ''), r]));
}
