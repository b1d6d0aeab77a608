/**
 * How every command opens the target database: PGlite data directories are locked for the
 * command (see src/adapters/pglite-run-lock.ts), with what happens printed here.
 */
import { DataDirLockedError, type DataDirEvent, type LockHolder } from '../../adapters/pglite-run-lock.js';
import type { WarehouseAdapter } from '../../adapters/warehouse-adapter.js';
import { CompileError } from '../../diagnostics/index.js';
import type { ResolvedTarget } from '../../project/types.js';
import type { Reporter } from '../reporter.js';

export interface OpenTargetOptions {
  /** The command, for the lock file and messages: 'run', 'query', 'serve', … */
  readonly command?: string;
  /**
   * Another process holds the PGlite data directory and will not lend it: 'wait' for it (run,
   * build, …) or 'fail' at once with exit 2 (default).
   */
  readonly whenHeld?: 'wait' | 'fail';
  /** Lend the data directory to other commands while we hold it (strata serve). */
  readonly lend?: boolean;
  readonly statementTimeoutMs?: number;
  readonly queueTimeoutMs?: number;
}

function who(h: LockHolder): string {
  return `'${h.command}' (pid ${h.pid}, since ${h.since})`;
}

function printEvent(reporter: Reporter, path: string, e: DataDirEvent): void {
  switch (e.type) {
    case 'waiting':
      reporter.info(`Waiting for the PGlite data directory ${path}: another strata process (pid ${e.holder.pid}) is using it (${who(e.holder)})`, {
        event: 'pglite_lock_wait',
        path,
        pid: e.holder.pid,
        command: e.holder.command,
        since: e.holder.since,
      });
      return;
    case 'borrowing':
      reporter.info(`The PGlite data directory ${path} is held by ${who(e.holder)}: asking it to lend it for this command`, {
        event: 'pglite_borrow',
        path,
        pid: e.holder.pid,
        command: e.holder.command,
      });
      return;
    case 'borrowed':
      reporter.info(`Borrowed the PGlite data directory from '${e.holder.command}' (pid ${e.holder.pid}); it reopens it when this command is done`, {
        event: 'pglite_borrowed',
        path,
        pid: e.holder.pid,
      });
      return;
    case 'stale':
      reporter.info(`Taking over the lock of the PGlite data directory ${path} from ${who(e.holder)}, which no longer runs`, {
        event: 'pglite_lock_stale',
        path,
        pid: e.holder.pid,
      });
      return;
    case 'lent':
      reporter.info(`Lent the PGlite data directory to '${e.borrower.command}' (pid ${e.borrower.pid}): requests get 503 until it is done`, {
        event: 'pglite_lent',
        pid: e.borrower.pid,
        command: e.borrower.command,
      });
      return;
    case 'reclaimed':
      reporter.info(`Reopened the PGlite data directory after '${e.borrower.command}' (pid ${e.borrower.pid})`, {
        event: 'pglite_reclaimed',
        pid: e.borrower.pid,
      });
      return;
  }
}

/** The exit-2 diagnostic for a data directory another process holds. */
export function lockedDiagnostic(e: DataDirLockedError, command: string | undefined): CompileError {
  const h = e.holder;
  const serving = /\bserve$/.test(h.command);
  const hint =
    command === 'serve' && serving
      ? `another strata serve is already serving this data directory: use it, or stop it first (kill ${h.pid})`
      : serving
        ? `the server did not lend the directory (it did not answer, or is shutting down): retry, or stop it (kill ${h.pid})`
        : `wait until it is done, or stop it (kill ${h.pid}); a lock left by a process that no longer runs is taken over automatically. ` +
          'PGlite is a database inside one process: to run several commands at once use PostgreSQL (type: postgres in profiles.yml)';
  return new CompileError([{ code: 'run-locked', severity: 'error', message: e.message, hint }]);
}

/**
 * Opens the target's adapter, taking the PGlite data-directory lock first (see
 * OpenTargetOptions); a directory held by another process is a `run-locked` CompileError
 * (exit 2). Other errors propagate as they are.
 */
export async function openDatabase(target: ResolvedTarget, reporter: Reporter, o: OpenTargetOptions): Promise<WarehouseAdapter> {
  // Database drivers load only for commands that connect: `compile` stays fast.
  const { openAdapter } = await import('../../adapters/index.js');
  const path = target.type === 'pglite' ? target.path : '';
  try {
    return await openAdapter(target, {
      ...(o.statementTimeoutMs !== undefined ? { statementTimeoutMs: o.statementTimeoutMs } : {}),
      ...(o.queueTimeoutMs !== undefined ? { queueTimeoutMs: o.queueTimeoutMs } : {}),
      lock: {
        command: o.command ? `strata ${o.command}` : 'strata',
        whenHeld: o.whenHeld ?? 'fail',
        ...(o.lend ? { lend: true } : {}),
        onEvent: (e) => printEvent(reporter, path, e),
      },
      onStatement: reporter.statement,
    });
  } catch (e) {
    if (e instanceof DataDirLockedError) throw lockedDiagnostic(e, o.command);
    throw e;
  }
}

/**
 * `openDatabase` plus a `select 1`: any failure but a held directory is a `connection-failed`
 * CompileError (exit 2). `close` closes the adapter (and releases the directory).
 */
export async function openTargetAdapter(
  target: ResolvedTarget,
  reporter: Reporter,
  o: OpenTargetOptions = {},
): Promise<{ adapter: WarehouseAdapter; close: () => Promise<void> }> {
  let adapter: WarehouseAdapter | undefined;
  const started = performance.now();
  try {
    adapter = await openDatabase(target, reporter, o);
    await adapter.query('select 1');
    reporter.debug(`connected (${target.type}) in ${Math.round(performance.now() - started)} ms`, { event: 'timing', phase: 'connect', ms: Math.round(performance.now() - started) });
  } catch (e) {
    await adapter?.close().catch(() => undefined);
    if (e instanceof CompileError) throw e;
    const where = target.type === 'postgres' ? `postgres://${target.user}@${target.host}:${target.port}/${target.dbname}` : `pglite ${target.path}`;
    throw new CompileError([
      {
        code: 'connection-failed',
        severity: 'error',
        message: `cannot connect to ${where}: ${e instanceof Error ? e.message : String(e)}`,
        hint: 'check the profile (strata debug shows which one is used) and that the server is running',
      },
    ]);
  }
  const opened = adapter;
  return { adapter: opened, close: () => opened.close() };
}
