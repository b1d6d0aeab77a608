/**
 * The run lock for PGlite. PGlite is a single-connection database inside this process, so
 * advisory locks cannot exclude another process. Two layers instead:
 * - a process-local lock per (data directory, schema), so two runs in one process take turns;
 * - a lock file `<dataDir>/strata.lock` holding our pid while any run lock is held, so a second
 *   process on the same data directory fails clearly. A file whose pid is dead is stale and
 *   is taken over.
 */
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const heldKeys = new Set<string>();
const keyWaiters = new Map<string, (() => void)[]>();
const fileHolds = new Map<string, number>();
const POLL_MS = 200;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in a lock file, if it holds a live process other than ours. */
async function otherHolder(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const pid = Number((JSON.parse(text || '{}') as { pid?: unknown }).pid);
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) return pid;
  return undefined;
}

async function tryLockFile(dir: string): Promise<boolean> {
  const held = fileHolds.get(dir) ?? 0;
  if (held > 0) {
    fileHolds.set(dir, held + 1);
    return true;
  }
  const file = join(dir, 'strata.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }), { flag: 'wx' });
      fileHolds.set(dir, 1);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if ((await otherHolder(file)) !== undefined) return false;
    // Stale (dead pid, or ours from a previous adapter that crashed): remove and retry once.
    await unlink(file).catch(() => undefined);
  }
  return false;
}

async function releaseLockFile(dir: string): Promise<void> {
  const held = (fileHolds.get(dir) ?? 1) - 1;
  if (held > 0) {
    fileHolds.set(dir, held);
    return;
  }
  fileHolds.delete(dir);
  await unlink(join(dir, 'strata.lock')).catch(() => undefined);
}

function releaseKey(key: string): void {
  const next = keyWaiters.get(key)?.shift();
  if (next) next();
  else heldKeys.delete(key);
}

async function takeKey(key: string, wait: boolean): Promise<boolean> {
  if (!heldKeys.has(key)) {
    heldKeys.add(key);
    return true;
  }
  if (!wait) return false;
  // The releaser hands the key over directly, so it never looks free in between.
  await new Promise<void>((resolve) => {
    const list = keyWaiters.get(key) ?? [];
    list.push(resolve);
    keyWaiters.set(key, list);
  });
  return true;
}

/**
 * Takes the PGlite run lock. `dataDir` undefined means an in-memory database (no file layer;
 * `scope` then makes the key unique to that database).
 *
 * @example const release = await acquirePgliteRunLock('/p/.strata/pglite', 'p', 'analytics', false)
 */
export async function acquirePgliteRunLock(
  dataDir: string | undefined,
  scope: string,
  schema: string,
  wait: boolean,
): Promise<(() => Promise<void>) | undefined> {
  const key = `${dataDir ?? scope}\u0000${schema}`;
  if (!(await takeKey(key, wait))) return undefined;
  if (dataDir !== undefined) {
    for (;;) {
      let ok: boolean;
      try {
        ok = await tryLockFile(dataDir);
      } catch (e) {
        releaseKey(key);
        throw e;
      }
      if (ok) break;
      if (!wait) {
        releaseKey(key);
        return undefined;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    if (dataDir !== undefined) await releaseLockFile(dataDir);
    releaseKey(key);
  };
}

/** Describes who holds the lock file of a data directory (for error messages). */
export async function pgliteLockHolder(dataDir: string): Promise<number | undefined> {
  return otherHolder(join(dataDir, 'strata.lock'));
}
