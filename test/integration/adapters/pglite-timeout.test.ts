/**
 * Issue 14: deadlines, aborts and the queue limit on PGlite (real PGlite in its worker thread).
 * PGlite cannot interrupt a statement itself (`set statement_timeout` never fires); the adapter
 * rejects at the deadline and, with a data directory, stops the statement by terminating the
 * worker (PGlite recovers from its WAL on the next statement).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteAdapter } from '../../../src/adapters/pglite-adapter.js';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { testTarget } from './test-adapter.js';

const SLOW = 'select pg_sleep(5)';

async function settle<T>(p: Promise<T>): Promise<{ ms: number; value?: T; error?: { code?: string; message: string } }> {
  const started = Date.now();
  try {
    const value = await p;
    return { ms: Date.now() - started, value };
  } catch (e) {
    return { ms: Date.now() - started, error: e as { code?: string; message: string } };
  }
}

function open(path: string, opts: { statementTimeoutMs?: number; queueTimeoutMs?: number } = {}): Promise<WarehouseAdapter> {
  const t = testTarget({ name: 'pglite' }, { path });
  if (t.type !== 'pglite') throw new Error('pglite target expected');
  return PgliteAdapter.open(t, opts);
}

describe('PGlite deadlines on a data directory', () => {
  let dir: string;
  let db: WarehouseAdapter;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-timeout-'));
    db = await open(join(dir, 'db'));
    await db.query('create table kept (x int)');
    await db.query('insert into kept values (1)');
  });
  afterAll(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('PGlite itself ignores set statement_timeout (why the adapter keeps its own deadline)', async () => {
    const r = await settle(db.withSession(async (s) => {
      await s.query('set statement_timeout = 200');
      try {
        return await s.query('select pg_sleep(0.6)');
      } finally {
        await s.query('reset statement_timeout');
      }
    }));
    expect(r.error).toBeUndefined();
    expect(r.ms).toBeGreaterThanOrEqual(550);
  });

  it('a running statement rejects with 57014 at its deadline; the process stays responsive; the next query answers after PGlite reopened', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const r = await settle(db.query(SLOW, [], { timeoutMs: 500 }));
    clearInterval(timer);
    expect(r.error?.code).toBe('57014');
    expect(r.error?.message).toMatch(/statement timeout/);
    expect(r.ms).toBeGreaterThanOrEqual(480);
    expect(r.ms).toBeLessThan(700);
    // The event loop ran while the statement did (it runs in the worker thread).
    expect(ticks).toBeGreaterThan(10);
    const next = await settle(db.query<{ n: number }>('select count(*)::int as n from kept'));
    expect(next.value?.rows).toEqual([{ n: 1 }]);
    // The statement was stopped (worker terminated, PGlite reopened): not after the 5 s sleep.
    expect(next.ms).toBeLessThan(3_000);
  });

  it('cancelAll interrupts a running transaction at once: its write is rolled back, committed data stays', async () => {
    const p = settle(
      db.transaction(async (s) => {
        await s.query('insert into kept values (2)');
        return s.query('select pg_sleep(5)');
      }),
    );
    setTimeout(() => void db.cancelAll(), 300);
    const r = await p;
    expect(r.error?.code).toBe('57014');
    expect(r.ms).toBeLessThan(600);
    const rows = await db.query<{ x: number }>('select x from kept order by x');
    expect(rows.rows).toEqual([{ x: 1 }]);
  });

  it('aborting the signal of a running statement rejects at once with 57014', async () => {
    const ac = new AbortController();
    const p = settle(db.query(SLOW, [], { signal: ac.signal }));
    setTimeout(() => ac.abort(), 300);
    const r = await p;
    expect(r.error?.code).toBe('57014');
    expect(r.ms).toBeLessThan(500);
    expect((await db.query<{ x: number }>('select 1 as x')).rows).toEqual([{ x: 1 }]);
  });

  it('a queued statement whose deadline passes leaves the queue and never runs', async () => {
    const slow = settle(db.query('select pg_sleep(1.5)'));
    await new Promise((r) => setTimeout(r, 100));
    const queued = await settle(db.query('insert into kept values (3)', [], { timeoutMs: 300 }));
    expect(queued.error?.code).toBe('57014');
    expect(queued.error?.message).toMatch(/waited \d+ ms for the embedded database/);
    expect(queued.ms).toBeLessThan(500);
    expect((await slow).error).toBeUndefined();
    expect((await db.query<{ x: number }>('select x from kept order by x')).rows).toEqual([{ x: 1 }]);
  });

  it('a queued statement whose signal aborts leaves the queue at once and never runs', async () => {
    const slow = settle(db.query('select pg_sleep(1)'));
    await new Promise((r) => setTimeout(r, 100));
    const ac = new AbortController();
    const queued = settle(db.query('insert into kept values (4)', [], { signal: ac.signal }));
    setTimeout(() => ac.abort(), 100);
    const q = await queued;
    expect(q.error?.code).toBe('57014');
    expect(q.ms).toBeLessThan(300);
    expect((await slow).error).toBeUndefined();
    expect((await db.query<{ x: number }>('select x from kept order by x')).rows).toEqual([{ x: 1 }]);
  });
});

describe('PGlite queue limit and default statement timeout', () => {
  it('queueTimeoutMs fails waiting calls fast while a slow statement runs; statementTimeoutMs stops the slow one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-timeout-'));
    const db = await open(join(dir, 'db'), { statementTimeoutMs: 1_500, queueTimeoutMs: 300 });
    try {
      expect(db.statementTimeoutMs).toBe(1_500);
      const slow = settle(db.query(SLOW));
      await new Promise((r) => setTimeout(r, 100));
      const waiting = await Promise.all([1, 2, 3].map(() => settle(db.query('select 1'))));
      for (const w of waiting) {
        expect(w.error?.code).toBe('57014');
        expect(w.ms).toBeLessThan(500);
      }
      const s = await slow;
      expect(s.error?.code).toBe('57014');
      expect(s.ms).toBeLessThan(1_800);
      const after = await settle(db.query<{ x: number }>('select 1 as x'));
      expect(after.value?.rows).toEqual([{ x: 1 }]);
      expect(after.ms).toBeLessThan(3_000);
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('in memory the caller still gets its error at the deadline; the statement runs to its end (the database would die with its worker), then the queue moves on', async () => {
    const t = testTarget({ name: 'pglite' });
    if (t.type !== 'pglite') throw new Error('pglite target expected');
    const db = await PgliteAdapter.open(t);
    try {
      await db.query('create table m (x int)');
      await db.query('insert into m values (1)');
      const slow = settle(db.query('select pg_sleep(1.2)', [], { timeoutMs: 300 }));
      await new Promise((r) => setTimeout(r, 50));
      const next = settle(db.query<{ n: number }>('select count(*)::int as n from m'));
      const s = await slow;
      expect(s.error?.code).toBe('57014');
      expect(s.ms).toBeLessThan(500);
      const n = await next;
      expect(n.value?.rows).toEqual([{ n: 1 }]);
      expect(n.ms).toBeGreaterThan(1_000);
    } finally {
      await db.close();
    }
  });
});
