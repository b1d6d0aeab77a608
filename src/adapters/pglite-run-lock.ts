/**
 * Who may open a PGlite data directory. PGlite is a database inside one process: two processes
 * opening one directory would each cache pages the other rewrites. So:
 *
 * - **The data-directory lock** `<dataDir>/strata.lock` (JSON: pid, command, since) is taken
 *   before the directory is opened and held until it is closed, by every command. It is created
 *   with `link()` (atomic and exclusive) and updated with `rename()`, so a reader never sees half a
 *   file. A lock whose pid is dead (a killed process) is stale and taken over.
 * - **Lending**: `strata serve` holds the directory for as long as it runs, so it also listens on
 *   a loopback port written into the lock file with a random token. Another command that needs
 *   the directory asks it to lend it (`POST /lend`): the server finishes its running statement,
 *   closes its database, rewrites the lock file in the borrower's name and answers; the borrower
 *   works and deletes the file when done; the server sees the file gone (or its pid dead), takes
 *   the lock back and reopens the database (with whatever the borrower built).
 * - **Run locks** per (data directory, schema) are process-local: two runs in one process take
 *   turns; across processes the directory lock already excludes.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';

/** What a lock file says about its holder. */
export interface LockHolder {
  readonly pid: number;
  /** The command holding it, e.g. 'strata serve'. */
  readonly command: string;
  /** ISO time it was taken. */
  readonly since: string;
  /** Present while the holder (strata serve) lends the directory on request. */
  readonly lend?: { readonly port: number; readonly token: string };
  /** The pid of the server that lent the directory to this holder. */
  readonly lentBy?: number;
}

/** A process asking for the directory. */
export interface Borrower {
  readonly pid: number;
  readonly command: string;
}

/** Thrown when another live process holds the data directory and we may not wait. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(`the PGlite data directory ${dataDir} is in use by '${holder.command}' (pid ${holder.pid}, since ${holder.since})`);
    this.name = 'DataDirLockedError';
  }
}

/** Progress of `acquireDataDir` and of lending, for the CLI to print. */
export type DataDirEvent =
  | { readonly type: 'waiting'; readonly holder: LockHolder }
  | { readonly type: 'borrowing'; readonly holder: LockHolder }
  | { readonly type: 'borrowed'; readonly holder: LockHolder }
  | { readonly type: 'stale'; readonly holder: LockHolder }
  | { readonly type: 'lent'; readonly borrower: Borrower }
  | { readonly type: 'reclaimed'; readonly borrower: Borrower };

const POLL_MS = 200;
/** How long a borrower waits for the server to finish its statement and close (it may be running one). */
const LEND_TIMEOUT_MS = 120_000;

/** Directories this process holds, with how many opens share the hold. */
const fileHolds = new Map<string, number>();

export function lockFilePath(dataDir: string): string {
  return join(dataDir, 'strata.lock');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockHolder> & { pid?: unknown };
    const pid = Number(o.pid);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    const lend = o.lend && Number.isInteger(o.lend.port) && typeof o.lend.token === 'string' ? { port: o.lend.port, token: o.lend.token } : undefined;
    return {
      pid,
      command: typeof o.command === 'string' ? o.command : 'strata',
      since: typeof o.since === 'string' ? o.since : 'unknown',
      ...(lend ? { lend } : {}),
      ...(typeof o.lentBy === 'number' ? { lentBy: o.lentBy } : {}),
    };
  } catch {
    return undefined;
  }
}

/** The lock file's content as written (any pid, live or not); undefined when there is none. */
export async function readLockFile(dataDir: string): Promise<{ text: string; holder: LockHolder | undefined } | undefined> {
  try {
    const text = await readFile(lockFilePath(dataDir), 'utf8');
    return { text, holder: parseHolder(text) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** A live process other than this one (or this process through another hold) holding the directory. */
function isLive(dataDir: string, h: LockHolder | undefined): h is LockHolder {
  if (!h) return false;
  if (h.pid === process.pid) return (fileHolds.get(dataDir) ?? 0) > 0;
  return pidAlive(h.pid);
}

/** Who holds the directory, if a live process does. */
export async function pgliteLockHolder(dataDir: string): Promise<LockHolder | undefined> {
  const f = await readLockFile(dataDir);
  return f && isLive(dataDir, f.holder) ? f.holder : undefined;
}

function content(h: LockHolder): string {
  return `${JSON.stringify(h)}\n`;
}

function me(command: string): LockHolder {
  return { pid: process.pid, command, since: new Date().toISOString() };
}

async function tempFile(dataDir: string, text: string): Promise<string> {
  const tmp = join(dataDir, `strata.lock.${process.pid}.${randomBytes(4).toString('hex')}`);
  await writeFile(tmp, text, { mode: 0o600 });
  return tmp;
}

/**
 * One attempt to take the directory: 'taken', or the live holder. A stale lock (dead pid, or our
 * own pid without a hold: a previous adapter of this process that crashed) is removed and retried.
 */
async function tryTake(dataDir: string, command: string, onEvent?: (e: DataDirEvent) => void): Promise<'taken' | LockHolder> {
  const held = fileHolds.get(dataDir) ?? 0;
  if (held > 0) {
    fileHolds.set(dataDir, held + 1);
    return 'taken';
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const tmp = await tempFile(dataDir, content(me(command)));
    try {
      await link(tmp, lockFilePath(dataDir));
      fileHolds.set(dataDir, 1);
      return 'taken';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    const f = await readLockFile(dataDir);
    if (!f) continue; // released in between
    if (isLive(dataDir, f.holder)) return f.holder;
    // Stale. Remove it only if it is still the file we judged (narrows the race with another taker).
    const again = await readLockFile(dataDir);
    if (again?.text === f.text) {
      if (f.holder) onEvent?.({ type: 'stale', holder: f.holder });
      await unlink(lockFilePath(dataDir)).catch(() => undefined);
    }
  }
  const f = await readLockFile(dataDir);
  if (f && isLive(dataDir, f.holder)) return f.holder;
  throw new Error(`could not take the lock file ${lockFilePath(dataDir)}`);
}

export interface AcquireOptions {
  /** Written into the lock file, e.g. 'strata run'. */
  readonly command: string;
  /** While another live process holds it (and will not lend it): poll until free, or throw DataDirLockedError. */
  readonly whenHeld: 'wait' | 'fail';
  /** Ask a lending holder (strata serve) to lend the directory (default true). */
  readonly borrow?: boolean;
  readonly onEvent?: (e: DataDirEvent) => void;
}

/**
 * Takes the data-directory lock (see the file comment): immediately when free or stale; by
 * borrowing it from a lending `strata serve`; else waits or throws `DataDirLockedError`.
 * Release it with `releaseDataDir`.
 *
 * @example await acquireDataDir('/p/.strata/pglite', { command: 'strata query', whenHeld: 'fail' })
 */
export async function acquireDataDir(dataDir: string, o: AcquireOptions): Promise<void> {
  let announced: string | undefined;
  const announce = (type: 'waiting' | 'borrowing', holder: LockHolder): void => {
    if (announced === `${type}:${holder.pid}`) return;
    announced = `${type}:${holder.pid}`;
    o.onEvent?.({ type, holder });
  };
  for (;;) {
    const r = await tryTake(dataDir, o.command, o.onEvent);
    if (r === 'taken') return;
    if (r.lend && o.borrow !== false) {
      announce('borrowing', r);
      if (await askToLend(r, { pid: process.pid, command: o.command })) {
        const f = await readLockFile(dataDir);
        if (f?.holder?.pid === process.pid) {
          fileHolds.set(dataDir, 1);
          o.onEvent?.({ type: 'borrowed', holder: r });
          return;
        }
      }
      // Refused (it is shutting down) or gone: who holds it now?
      const now = await pgliteLockHolder(dataDir);
      if (!now) continue;
      if (o.whenHeld === 'fail') throw new DataDirLockedError(dataDir, now);
      if (!now.lend) announce('waiting', now);
    } else {
      if (o.whenHeld === 'fail') throw new DataDirLockedError(dataDir, r);
      announce('waiting', r);
    }
    await new Promise((res) => setTimeout(res, POLL_MS));
  }
}

/** Releases one hold; the last one deletes the lock file (if it still names us). */
export async function releaseDataDir(dataDir: string): Promise<void> {
  const held = (fileHolds.get(dataDir) ?? 1) - 1;
  if (held > 0) {
    fileHolds.set(dataDir, held);
    return;
  }
  fileHolds.delete(dataDir);
  const f = await readLockFile(dataDir).catch(() => undefined);
  if (f?.holder?.pid === process.pid) await unlink(lockFilePath(dataDir)).catch(() => undefined);
}

/** Rewrites the lock file we hold (atomically), e.g. to advertise lending. */
export async function rewriteLockFile(dataDir: string, holder: LockHolder): Promise<void> {
  const tmp = await tempFile(dataDir, content(holder));
  await rename(tmp, lockFilePath(dataDir));
}

/** Hands the lock we hold to `to` (the file names it from now on) and drops our hold. */
async function transferDataDir(dataDir: string, to: Borrower): Promise<void> {
  await rewriteLockFile(dataDir, { pid: to.pid, command: to.command, since: new Date().toISOString(), lentBy: process.pid });
  fileHolds.delete(dataDir);
}

/**
 * After lending: waits until the borrower is done (file gone, or its pid dead) and takes the lock
 * back. Resolves false when `stopped()` turned true first (we are shutting down).
 */
async function reclaimDataDir(dataDir: string, command: string, stopped: () => boolean): Promise<boolean> {
  for (;;) {
    if (stopped()) return false;
    const f = await readLockFile(dataDir).catch(() => undefined);
    if (!f || !isLive(dataDir, f.holder)) {
      const r = await tryTake(dataDir, command).catch(() => undefined);
      if (r === 'taken') return true;
    }
    await new Promise((res) => setTimeout(res, POLL_MS));
  }
}

/** Asks a lending holder to lend its directory; true once the lock file names us. */
function askToLend(holder: LockHolder, me: Borrower): Promise<boolean> {
  const lend = holder.lend;
  if (!lend) return Promise.resolve(false);
  return new Promise((resolve) => {
    const body = JSON.stringify(me);
    const req = request(
      { host: '127.0.0.1', port: lend.port, path: '/lend', method: 'POST', timeout: LEND_TIMEOUT_MS, headers: { authorization: `Bearer ${lend.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end(body);
  });
}

export interface Lender {
  /** Stops listening (lending in progress is not undone). */
  close(): Promise<void>;
}

/**
 * Makes the holder of `dataDir` lend it on request (strata serve): listens on a loopback port,
 * advertises it with a token in the lock file, and on `POST /lend` calls `lend`, which must close
 * the database and call `handOver()`; the response is sent once the lock file names the borrower.
 * `lend` then keeps going (it waits for `reclaim()`, which resolves when the borrower is done).
 */
export async function serveLending(
  dataDir: string,
  command: string,
  lend: (borrower: Borrower, steps: { handOver: () => Promise<void>; reclaim: (stopped: () => boolean) => Promise<boolean> }) => Promise<void>,
): Promise<Lender> {
  const token = randomBytes(24).toString('hex');
  const server: Server = createServer((req, res) => {
    const answer = (status: number, text: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    };
    if (req.method !== 'POST' || req.url !== '/lend' || req.headers.authorization !== `Bearer ${token}`) return answer(404, 'not found');
    let raw = '';
    req.on('data', (d: Buffer) => {
      raw += d.toString();
      if (raw.length > 4096) req.destroy();
    });
    req.on('end', () => {
      const b = parseHolder(raw);
      if (!b) return answer(400, 'bad borrower');
      // Several requests take turns (`lend` queues behind the running lend, which ends once the
      // directory is back); meanwhile the lock file names the current borrower, so a newcomer
      // that sees it does not ask at all.
      let answered = false;
      const handOver = async (): Promise<void> => {
        await transferDataDir(dataDir, { pid: b.pid, command: b.command });
        answered = true;
        answer(200, 'lent');
      };
      const reclaim = async (stopped: () => boolean): Promise<boolean> => {
        const ok = await reclaimDataDir(dataDir, command, stopped);
        if (ok) await rewriteLockFile(dataDir, { ...me(command), lend: { port: address().port, token } });
        return ok;
      };
      lend({ pid: b.pid, command: b.command }, { handOver, reclaim })
        .catch(() => undefined)
        .finally(() => {
          if (!answered) answer(503, 'could not lend');
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const address = (): { port: number } => server.address() as { port: number };
  await rewriteLockFile(dataDir, { ...me(command), lend: { port: address().port, token } });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const heldKeys = new Set<string>();
const keyWaiters = new Map<string, (() => void)[]>();

function releaseKey(key: string): void {
  const next = keyWaiters.get(key)?.shift();
  if (next) next();
  else heldKeys.delete(key);
}

/**
 * The run lock of one schema inside this process (PGlite: one process owns the directory, so runs
 * of other processes are already excluded by the directory lock). `wait:false` resolves
 * undefined while another run of this process holds it.
 *
 * @example const release = await acquireSchemaRunLock('/p/.strata/pglite', 'analytics', false)
 */
export async function acquireSchemaRunLock(scope: string, schema: string, wait: boolean): Promise<(() => Promise<void>) | undefined> {
  const key = `${scope}\u0000${schema}`;
  if (heldKeys.has(key)) {
    if (!wait) return undefined;
    // The releaser hands the key over directly, so it never looks free in between.
    await new Promise<void>((resolve) => {
      const list = keyWaiters.get(key) ?? [];
      list.push(resolve);
      keyWaiters.set(key, list);
    });
  } else heldKeys.add(key);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    releaseKey(key);
  };
}
