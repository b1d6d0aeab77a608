/** Shared helpers for the modeling integration suites: rewrite files, build, read rows. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { TestDatabase } from '../../helpers/databases.js';
import { queryDb, strata } from '../../helpers/strata-cli.js';

/** Writes files into the project, runs `strata build` (extra args appended), expects success. */
export async function buildWith(dir: string, files: Record<string, string>, args: readonly string[] = []): Promise<string> {
  for (const [p, c] of Object.entries(files)) await writeFile(join(dir, p), c);
  const r = await strata(['build', '--project-dir', dir, ...args]);
  expect(r.stderr).toBe('');
  expect(r.code, r.stdout).toBe(0);
  return r.stdout;
}

/** Rows of a query as arrays of strings (NULL → null), for exact row-by-row comparison. */
export async function rows(db: TestDatabase, dir: string, sql: string): Promise<(string | null)[][]> {
  const r = await queryDb<Record<string, unknown>>(db, dir, sql);
  return r.map((row) => Object.values(row).map((v) => (v === null || v === undefined ? null : String(v))));
}
