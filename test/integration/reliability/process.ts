/**
 * Helpers for tests that run the built binary as a child process and interrupt it.
 */
import type { ChildProcess } from 'node:child_process';
import type { TestDatabase } from '../../helpers/databases.js';
import { queryDb, spawnStrata } from '../../helpers/strata-cli.js';

export interface Spawned {
  readonly child: ChildProcess;
  /** Everything printed so far. */
  output(): string;
  /** Resolves once the output matches `re` (rejects after `ms`, or when the process exits first). */
  waitFor(re: RegExp, ms?: number): Promise<void>;
  /** Exit code (or 128 + signal number) and final output. */
  readonly exited: Promise<{ code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Env for the binary: the project's profiles.yml decides the database, never a leaked URL. */
function cleanEnv(): NodeJS.ProcessEnv {
  return { STRATA_DATABASE_URL: '', NO_COLOR: '1' };
}

export function start(args: readonly string[]): Spawned {
  const child = spawnStrata(args, cleanEnv());
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const l of listeners) l();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<{ code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => {
      for (const l of listeners) l();
      resolve({ code: code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0), signal, stdout, stderr });
    });
  });
  let done = false;
  void exited.then(() => (done = true));
  const output = (): string => stdout + stderr;
  const waitFor = (re: RegExp, ms = 20_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (re.test(output())) finish();
        else if (done) finish(new Error(`process exited before printing ${re}:\n${output()}`));
      };
      const timer = setTimeout(() => finish(new Error(`timed out after ${ms} ms waiting for ${re}:\n${output()}`)), ms);
      const finish = (e?: Error): void => {
        clearTimeout(timer);
        listeners.delete(check);
        if (e) reject(e);
        else resolve();
      };
      listeners.add(check);
      check();
    });
  return { child, output, waitFor, exited };
}

/** Polls `probe` until it returns true (rejects after `ms`). */
export async function until(probe: () => Promise<boolean>, ms = 15_000, every = 100): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Names of every relation in `schema` that a strata run creates only temporarily. */
export async function leftovers(db: TestDatabase, dir: string, schema: string): Promise<string[]> {
  const rows = await queryDb<{ relname: string }>(
    db,
    dir,
    `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and (c.relname like '%\\_\\_strata\\_tmp\\_%' or c.relname like '%\\_\\_strata\\_backup\\_%') order by 1`,
    [schema],
  );
  return rows.map((r) => r.relname);
}

/** Backends on the server still running a statement that mentions `schema` (postgres only). */
export async function activeStatementsOn(db: TestDatabase, schema: string): Promise<number> {
  if (db.name !== 'postgres') return 0;
  const rows = await queryDb<{ n: string }>(
    db,
    '',
    `select count(*)::text as n from pg_stat_activity where state = 'active' and pid <> pg_backend_pid() and position($1 in query) > 0`,
    [`"${schema}"`],
  );
  return Number(rows[0]?.n ?? 0);
}
