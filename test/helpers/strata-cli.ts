import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { main } from '../../src/cli/main.js';
import type { TestDatabase } from './databases.js';
import { writeTempProject } from './temp-project.js';

export const REPO = join(import.meta.dirname, '..', '..');
export const BIN = join(REPO, 'bin', 'strata.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process (same code the binary runs), capturing what it prints. */
export async function strata(args: readonly string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'strata', ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** Runs the built binary (dist/) as a child process; needed where a test kills the process. */
export function spawnStrata(args: readonly string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof spawn> {
  if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  return spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runStrataSync(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliResult {
  if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A unique schema name per test, so suites never see each other's tables. */
export function uniqueSchema(prefix = 't'): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Writes a project for one test database: the given files plus a profiles.yml pointing at the
 * database (a fresh PGlite directory inside the project, or the real server with its own schema).
 */
export async function projectFor(
  db: TestDatabase,
  files: Record<string, string>,
  schema = uniqueSchema(),
): Promise<{ dir: string; schema: string }> {
  const output =
    db.name === 'pglite'
      ? `      type: pglite\n      path: .strata/pglite\n      schema: ${schema}\n`
      : postgresOutput(db.url!, schema);
  const dir = await writeTempProject({
    'strata_project.yml': 'name: t\nprofile: t\n',
    'profiles.yml': `t:\n  target: test\n  outputs:\n    test:\n${output}`,
    ...files,
  });
  return { dir, schema };
}

function postgresOutput(url: string, schema: string): string {
  const u = new URL(url);
  return [
    '      type: postgres',
    `      host: ${u.hostname}`,
    `      port: ${u.port || 5432}`,
    `      user: ${decodeURIComponent(u.username) || 'postgres'}`,
    ...(u.password ? [`      password: "${decodeURIComponent(u.password)}"`] : []),
    `      dbname: ${u.pathname.slice(1) || 'postgres'}`,
    `      schema: ${schema}`,
    '      threads: 4',
    '',
  ].join('\n');
}

/**
 * Queries the test database directly (not through Strata) so assertions see the real state.
 * For PGlite the project's data directory is opened after the CLI has closed it.
 */
export async function queryDb<Row = Record<string, unknown>>(
  db: TestDatabase,
  dir: string,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  if (db.name === 'postgres') {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as Row[];
    } finally {
      await client.end();
    }
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const lite = new PGlite(join(dir, '.strata', 'pglite'));
  try {
    return (await lite.query<Row>(sql, params)).rows;
  } finally {
    await lite.close();
  }
}

export async function dropSchema(db: TestDatabase, schema: string): Promise<void> {
  if (db.name !== 'postgres') return;
  await queryDb(db, '', `drop schema if exists "${schema}" cascade`);
}
