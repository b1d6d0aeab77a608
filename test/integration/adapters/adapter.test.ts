import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, freshSchema, openTestAdapter } from './test-adapter.js';

for (const database of testDatabases()) {
  describe(`adapter on ${database.name}`, () => {
    let db: WarehouseAdapter;
    let schema: string;
    beforeAll(async () => {
      db = await openTestAdapter(database);
      schema = await freshSchema(db);
    });
    afterAll(async () => {
      await dropSchema(db, schema);
      await db.close();
    });

    it('runs queries with $n parameters and reports the server version', async () => {
      const r = await db.query<{ x: number; y: string }>('select $1::int as x, $2::text as y', [41, 'hi']);
      expect(r.rows).toEqual([{ x: 41, y: 'hi' }]);
      expect(await db.serverVersion()).toMatch(/PostgreSQL/);
      expect(db.maxConcurrency).toBe(database.name === 'pglite' ? 1 : 4);
    });

    it('propagates database errors with message and SQLSTATE', async () => {
      const err = await db.query('select 1/0').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/division by zero/);
      expect((err as { code?: string }).code).toBe('22012');
    });

    it('introspects relations and columns through pg_catalog', async () => {
      await db.query(`create table "${schema}".t (id integer, amount numeric(10,2), at timestamp)`);
      await db.query(`create view "${schema}".v as select id from "${schema}".t`);
      await db.query(`create materialized view "${schema}".m as select id from "${schema}".t`);
      expect(await db.getRelation({ schema, name: 't' })).toEqual({ schema, name: 't', kind: 'table' });
      expect(await db.getRelation({ schema, name: 'nope' })).toBeUndefined();
      expect((await db.listRelations(schema)).map((r) => `${r.name}:${r.kind}`)).toEqual(['m:materialized_view', 't:table', 'v:view']);
      expect(await db.getColumns({ schema, name: 't' })).toEqual([
        { name: 'id', dataType: 'integer' },
        { name: 'amount', dataType: 'numeric(10,2)' },
        { name: 'at', dataType: 'timestamp without time zone' },
      ]);
    });

    it('commits transactions and rolls back on throw', async () => {
      await db.query(`create table "${schema}".tx (a int)`);
      await db.transaction(async (s) => {
        await s.query(`insert into "${schema}".tx values (1)`);
      });
      await expect(
        db.transaction(async (s) => {
          await s.query(`insert into "${schema}".tx values (2)`);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const r = await db.query<{ a: number }>(`select a from "${schema}".tx order by a`);
      expect(r.rows).toEqual([{ a: 1 }]);
    });

    it('loads CSV with copyFrom from a string, a Buffer and a stream', async () => {
      await db.query(`create table "${schema}".c (id int, name text)`);
      const copy = `copy "${schema}".c (id, name) from stdin with (format csv, header true)`;
      const n1 = await db.withSession((s) => s.copyFrom(copy, 'id,name\n1,a\n2,"b, c"\n'));
      const n2 = await db.withSession((s) => s.copyFrom(copy, Buffer.from('id,name\n3,d\n')));
      const n3 = await db.withSession((s) => s.copyFrom(copy, Readable.from(['id,name\n', '4,e\n', '5,\n'])));
      expect([n1, n2, n3]).toEqual([2, 1, 2]);
      const r = await db.query<{ id: number; name: string | null }>(`select id, name from "${schema}".c order by id`);
      expect(r.rows).toEqual([
        { id: 1, name: 'a' },
        { id: 2, name: 'b, c' },
        { id: 3, name: 'd' },
        { id: 4, name: 'e' },
        { id: 5, name: null },
      ]);
    });

    it('copyFrom reports malformed CSV as a database error', async () => {
      await db.query(`create table "${schema}".bad (id int)`);
      const err = await db
        .withSession((s) => s.copyFrom(`copy "${schema}".bad (id) from stdin with (format csv)`, '1\nnot-a-number\n'))
        .catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/invalid input syntax for type integer/);
    });

    it('run lock: wait:false fails while another holder has it, succeeds after release', async () => {
      const other = await openTestAdapter(database);
      try {
        const release = await db.acquireRunLock(schema, { wait: false });
        expect(release).toBeTypeOf('function');
        // PGlite: a second in-memory database is a different database, so use the same adapter.
        const contender = database.name === 'pglite' ? db : other;
        expect(await contender.acquireRunLock(schema, { wait: false })).toBeUndefined();
        const otherSchema = await contender.acquireRunLock(`${schema}_other`, { wait: false });
        expect(otherSchema).toBeTypeOf('function');
        await otherSchema?.();
        const waiting = contender.acquireRunLock(schema, { wait: true });
        await release?.();
        const second = await waiting;
        expect(second).toBeTypeOf('function');
        await second?.();
      } finally {
        await other.close();
      }
    });
  });
}

describe('pglite data directory', () => {
  it('persists data in the directory and holds a lock file naming us from open to close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-pglite-'));
    try {
      const a = await openTestAdapter({ name: 'pglite' }, { path: join(dir, 'db') });
      await a.query('create table kept (x int)');
      await a.query('insert into kept values (7)');
      const lock = JSON.parse(await readFile(join(dir, 'db', 'strata.lock'), 'utf8')) as { pid: number; command: string; since: string };
      expect(lock).toMatchObject({ pid: process.pid, command: 'strata' });
      const release = await a.acquireRunLock('public', { wait: false });
      await release?.();
      // The run lock is per schema inside the process; the directory stays ours until close.
      expect(JSON.parse(await readFile(join(dir, 'db', 'strata.lock'), 'utf8'))).toMatchObject({ pid: process.pid });
      await a.close();
      await expect(readFile(join(dir, 'db', 'strata.lock'), 'utf8')).rejects.toThrow();
      const b = await openTestAdapter({ name: 'pglite' }, { path: join(dir, 'db') });
      expect((await b.query<{ x: number }>('select x from kept')).rows).toEqual([{ x: 7 }]);
      await b.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a live foreign pid in the lock file makes opening fail naming it; a dead pid is stale and taken over', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-pglite-'));
    const { writeFile } = await import('node:fs/promises');
    const { spawn } = await import('node:child_process');
    const { DataDirLockedError } = await import('../../../src/adapters/pglite-run-lock.js');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writeFile(join(dir, 'strata.lock'), JSON.stringify({ pid: child.pid, command: 'strata run', since: '2024-01-01T00:00:00.000Z' }));
      const err = await openTestAdapter({ name: 'pglite' }, { path: dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataDirLockedError);
      expect((err as InstanceType<typeof DataDirLockedError>).holder).toMatchObject({ pid: child.pid, command: 'strata run' });
      expect((err as Error).message).toContain(`in use by 'strata run' (pid ${child.pid}, since 2024-01-01T00:00:00.000Z)`);
      await writeFile(join(dir, 'strata.lock'), JSON.stringify({ pid: 2 ** 22 + 12345 }));
      const a = await openTestAdapter({ name: 'pglite' }, { path: dir });
      expect(JSON.parse(await readFile(join(dir, 'strata.lock'), 'utf8'))).toMatchObject({ pid: process.pid });
      await a.close();
    } finally {
      child.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('cancelAll rejects queued sessions (PGlite cannot interrupt a running statement)', async () => {
    const a = await openTestAdapter({ name: 'pglite' });
    try {
      const running = a.withSession(async (s) => {
        await new Promise((r) => setTimeout(r, 100));
        return s.query('select 1 as x');
      });
      const queued = a.query('select 2 as x');
      await a.cancelAll();
      await expect(queued).rejects.toMatchObject({ code: '57014' });
      await expect(running).rejects.toMatchObject({ code: '57014' });
      expect((await a.query<{ x: number }>('select 3 as x')).rows).toEqual([{ x: 3 }]);
    } finally {
      await a.close();
    }
  });
});

const pg = testDatabases().find((d) => d.name === 'postgres');
describe.runIf(pg !== undefined)('postgres cancellation', () => {
  it('cancelAll stops a running pg_sleep(10) within about a second', async () => {
    const a = await openTestAdapter(pg ?? { name: 'postgres' });
    try {
      const started = Date.now();
      const sleeping = a.withSession((s) => s.query('select pg_sleep(10)')).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 300));
      await a.cancelAll();
      const err = await sleeping;
      expect((err as { code?: string }).code).toBe('57014');
      expect(Date.now() - started).toBeLessThan(2500);
      expect((await a.query<{ x: number }>('select 1 as x')).rows).toEqual([{ x: 1 }]);
    } finally {
      await a.close();
    }
  });
});
