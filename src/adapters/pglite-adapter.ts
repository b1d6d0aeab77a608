/**
 * Embedded PGlite adapter. PGlite is one connection: every session and transaction takes its
 * turn through a FIFO queue (`maxConcurrency` 1), so callers may use it exactly like the pooled
 * PostgreSQL adapter.
 *
 * PGlite runs in a worker thread. A PGlite statement is one synchronous WebAssembly call: run on
 * the main thread it blocks the whole process (no timer, no HTTP request, no Ctrl-C is handled
 * until it returns), and PGlite 0.5 has no way to interrupt it: `set statement_timeout` is
 * accepted but never fires (Postgres implements it with SIGALRM, which WebAssembly does not
 * have), and there is no cancel request. In the worker the process stays responsive, so:
 *
 * - **Deadlines and aborts** (`QueryOptions`, `statementTimeoutMs`, `queueTimeoutMs`): a waiting
 *   statement leaves the queue at once; a running one rejects at its deadline with 57014.
 * - **Interrupting a running statement** = terminating the worker (like `kill -9` of a Postgres
 *   backend): with a data directory, PGlite recovers from its WAL when the next statement
 *   reopens it (≈1 s), and the interrupted transaction is rolled back, as after a crash. An
 *   in-memory database would be lost with its worker, so there the statement runs to its end
 *   while the caller already has its error; the queue waits for it.
 * - `cancelAll` rejects queued sessions, stops open sessions at their next statement and
 *   interrupts the running statement (data directory) as above.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResolvedTarget } from '../project/types.js';
import { observeSession, type StatementListener } from './statement-events.js';
import { getColumns, getRelation, listRelations } from './catalog.js';
import { cancelledError, toDatabaseError, type DatabaseError } from './database-error.js';
import {
  acquireDataDir,
  acquireSchemaRunLock,
  releaseDataDir,
  serveLending,
  type Borrower,
  type DataDirEvent,
  type Lender,
} from './pglite-run-lock.js';
import { SerialQueue } from './serial-queue.js';
import type {
  ColumnDef,
  ExistingRelation,
  QueryOptions,
  QueryResult,
  RelationRef,
  Session,
  TableResult,
  WarehouseAdapter,
} from './warehouse-adapter.js';

type PgliteTarget = Extract<ResolvedTarget, { type: 'pglite' }>;

/** How a PGlite adapter is opened (see `AdapterOptions` in open-adapter.ts). */
export interface PgliteOpenOptions {
  /** Default deadline of every statement, in ms (like Postgres `statement_timeout`); 0/undefined = none. */
  readonly statementTimeoutMs?: number;
  /** Longest wait for the connection before a call fails with 57014; 0/undefined = no limit. */
  readonly queueTimeoutMs?: number;
  /** The data-directory lock (ignored for memory://). */
  readonly lock?: {
    /** Written into the lock file, e.g. 'strata run'. */
    readonly command: string;
    /** While another process holds the directory: wait for it, or fail with DataDirLockedError. */
    readonly whenHeld: 'wait' | 'fail';
    /** Lend the directory to other commands on request (strata serve). */
    readonly lend?: boolean;
    readonly onEvent?: (e: DataDirEvent) => void;
  };
  /** Told about every statement sent, with its duration (--debug, logs/strata.log). */
  readonly onStatement?: StatementListener;
}

interface ActiveSession {
  /** Set once the session may run nothing more (cancelAll, or its statement was interrupted). */
  stopped?: DatabaseError;
  /** Epoch ms: every statement of the session must be done by then (QueryOptions.timeoutMs). */
  readonly deadline?: number;
  readonly signal?: AbortSignal;
  /** Rejects the statement in flight (set while one runs). */
  interrupt?: (err: DatabaseError) => void;
}

type EngineOp =
  | { readonly op: 'exec'; readonly sql: string; readonly rowMode?: 'array' }
  | { readonly op: 'query'; readonly sql: string; readonly params: readonly unknown[] }
  | { readonly op: 'copy'; readonly sql: string; readonly data: Uint8Array }
  | { readonly op: 'close' };

interface EngineResult {
  readonly rows?: unknown[];
  readonly fields?: { name: string; dataTypeID: number }[];
  readonly rowCount?: number;
  readonly affectedRows?: number;
}

/** The worker: opens PGlite, answers one message per op. Plain JS (it is evaluated as is). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fail = (e) => {
  const out = { message: String((e && e.message) || e) };
  if (e && typeof e === 'object') for (const k of Object.keys(e)) {
    const v = e[k];
    if (k !== 'name' && k !== 'length' && (v === null || ['string', 'number', 'boolean'].includes(typeof v))) out[k] = v;
  }
  return out;
};
const pick = (r) => (r ? { rows: r.rows, fields: r.fields, rowCount: r.rowCount, affectedRows: r.affectedRows } : undefined);
let db;
const ready = (async () => {
  const { PGlite } = await import(workerData.module);
  db = workerData.dataDir ? new PGlite(workerData.dataDir) : new PGlite();
  await db.waitReady;
})();
ready.then(() => parentPort.postMessage({ ready: true }), (e) => parentPort.postMessage({ ready: true, error: fail(e) }));
parentPort.on('message', async (m) => {
  try {
    await ready;
    let out;
    if (m.op === 'exec') {
      const all = await db.exec(m.sql, m.rowMode ? { rowMode: m.rowMode } : undefined);
      out = pick(all[all.length - 1]);
    } else if (m.op === 'query') out = pick(await db.query(m.sql, m.params));
    else if (m.op === 'copy') out = pick(await db.query(m.sql, [], { blob: new Blob([m.data]) }));
    else if (m.op === 'close') { await db.close(); out = null; }
    parentPort.postMessage({ id: m.id, ok: out });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: fail(e) });
  }
});
`;

let pgliteModule: string | undefined;
function pgliteModuleUrl(): string {
  pgliteModule ??= pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite')).href;
  return pgliteModule;
}

function errorFrom(o: Record<string, unknown>): DatabaseError {
  const err = new Error(typeof o['message'] === 'string' ? o['message'] : 'PGlite error') as Error & Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) if (k !== 'message') err[k] = v;
  return err as DatabaseError;
}

function stateError(code: string, message: string): DatabaseError {
  return Object.assign(new Error(message), { code }) as DatabaseError;
}

/**
 * One PGlite inside a worker thread. Callers send one op at a time (the adapter's queue);
 * `kill` terminates the worker mid-statement; the next op starts a new one (lazily).
 */
class PgliteEngine {
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private readonly pending = new Map<number, { resolve: (r: EngineResult) => void; reject: (e: DatabaseError) => void }>();
  private ids = 0;
  private idleWaiters: (() => void)[] = [];
  /** Bumped whenever a worker goes away (a transaction cannot outlive its worker). */
  generation = 0;

  constructor(private readonly dataDir: string | undefined) {}

  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Resolves when no op is in flight. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  start(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= new Promise<Worker>((resolve, reject) => {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: pgliteModuleUrl(), dataDir: this.dataDir } });
      const onReady = (m: { ready?: boolean; error?: Record<string, unknown> }): void => {
        if (!m.ready) return;
        w.off('message', onReady);
        w.off('exit', onEarlyExit);
        if (m.error) {
          void w.terminate();
          this.starting = undefined;
          reject(errorFrom(m.error));
          return;
        }
        w.on('message', (msg: { id: number; ok?: EngineResult; error?: Record<string, unknown> }) => this.settle(msg));
        w.on('exit', () => this.gone(w, stateError('57P01', 'the embedded database stopped (its worker exited)')));
        w.on('error', (e) => this.gone(w, toDatabaseError(e)));
        this.worker = w;
        this.starting = undefined;
        this.updateRef();
        resolve(w);
      };
      const onEarlyExit = (code: number): void => {
        this.starting = undefined;
        reject(stateError('57P01', `the embedded database could not start (worker exit ${code})`));
      };
      w.on('message', onReady);
      w.once('exit', onEarlyExit);
      w.once('error', (e) => {
        this.starting = undefined;
        reject(toDatabaseError(e));
      });
    });
    return this.starting;
  }

  async run(op: EngineOp): Promise<EngineResult> {
    const w = await this.start();
    const id = ++this.ids;
    return new Promise<EngineResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.updateRef();
      w.postMessage({ id, ...op });
    });
  }

  /** Terminates the worker: the running statement stops here; its promise rejects with `err`. */
  async kill(err: DatabaseError): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.gone(w, err);
    await w.terminate();
  }

  /** Closes PGlite cleanly (checkpoint) and stops the worker; kills it when a statement still runs. */
  async close(): Promise<void> {
    if (this.starting) await this.starting.catch(() => undefined);
    const w = this.worker;
    if (!w) return;
    if (this.busy) {
      await this.kill(stateError('57P01', 'the embedded database was closed while a statement was running'));
      return;
    }
    try {
      await this.run({ op: 'close' });
    } catch {
      // closing anyway
    }
    this.gone(w, stateError('57P01', 'the embedded database is closed'));
    await w.terminate();
  }

  private settle(msg: { id: number; ok?: EngineResult; error?: Record<string, unknown> }): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error) p.reject(errorFrom(msg.error));
    else p.resolve(msg.ok ?? {});
    this.afterSettle();
  }

  private gone(w: Worker, err: DatabaseError): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    this.generation++;
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
    this.afterSettle();
  }

  private afterSettle(): void {
    this.updateRef();
    if (!this.busy) for (const r of this.idleWaiters.splice(0)) r();
  }

  /** The worker keeps the process alive only while it works for us. */
  private updateRef(): void {
    if (!this.worker) return;
    if (this.busy) this.worker.ref();
    else this.worker.unref();
  }
}

function toResult<Row>(res: EngineResult | undefined): QueryResult<Row> {
  const rows = (res?.rows ?? []) as Row[];
  // PGlite's result carries the command tag's count as `rowCount` (CTAS included);
  // `affectedRows` is 0 for CTAS, so prefer the former.
  return { rows, rowCount: typeof res?.rowCount === 'number' ? res.rowCount : (res?.affectedRows ?? rows.length) };
}

async function toBytes(data: Readable | Buffer | string): Promise<Uint8Array> {
  if (typeof data === 'string') return Buffer.from(data);
  if (Buffer.isBuffer(data)) return data;
  const chunks: Buffer[] = [];
  for await (const chunk of data) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/**
 * `COPY t FROM STDIN ...` → `COPY t FROM '/dev/blob' ...`: PGlite reads COPY input from the
 * `blob` query option through that virtual file.
 *
 * @example toBlobCopy('copy "s"."t" ("a") from stdin with (format csv)')
 * // copy "s"."t" ("a") FROM '/dev/blob' with (format csv)
 */
export function toBlobCopy(copySql: string): string {
  const out = copySql.replace(/\bfrom\s+stdin\b/i, "FROM '/dev/blob'");
  if (out === copySql) throw new Error(`copyFrom expects 'COPY ... FROM STDIN', got: ${copySql.slice(0, 80)}`);
  return out;
}

function timeoutError(what: string): DatabaseError {
  return stateError('57014', `canceling statement due to statement timeout (${what})`);
}

function abortedError(): DatabaseError {
  return stateError('57014', 'canceling statement due to user request (the request was aborted)');
}

let memoryIds = 0;

export class PgliteAdapter implements WarehouseAdapter {
  readonly type = 'pglite' as const;
  readonly maxConcurrency = 1;
  readonly statementTimeoutMs?: number;
  private readonly queueTimeoutMs?: number;
  private readonly queue = new SerialQueue();
  /** Set while the current async context is inside one of our sessions (re-entrancy). */
  private readonly inside = new AsyncLocalStorage<ActiveSession>();
  private readonly active = new Set<ActiveSession>();
  private readonly engine: PgliteEngine;
  private readonly scope: string;
  private lender: Lender | undefined;
  /** While the data directory is lent to another process (strata serve): every call fails at once. */
  private lentTo: Borrower | undefined;
  private lending: Promise<void> | undefined;
  private closing = false;

  private constructor(
    private readonly dataDir: string | undefined,
    private readonly opts: PgliteOpenOptions,
  ) {
    this.engine = new PgliteEngine(dataDir);
    this.scope = dataDir ?? `memory-${++memoryIds}`;
    if (opts.statementTimeoutMs) this.statementTimeoutMs = opts.statementTimeoutMs;
    if (opts.queueTimeoutMs) this.queueTimeoutMs = opts.queueTimeoutMs;
  }

  /**
   * Opens (creating if needed) the data directory, or an in-memory database for 'memory://'.
   * A data directory is locked first (`opts.lock`, see pglite-run-lock.ts); the lock is held
   * until `close`.
   */
  static async open(target: PgliteTarget, opts: PgliteOpenOptions = {}): Promise<PgliteAdapter> {
    const memory = target.path === 'memory://' || target.path === '';
    const dataDir = memory ? undefined : target.path;
    if (dataDir !== undefined) {
      await mkdir(dataDir, { recursive: true });
      await acquireDataDir(dataDir, {
        command: opts.lock?.command ?? 'strata',
        whenHeld: opts.lock?.whenHeld ?? 'fail',
        borrow: !opts.lock?.lend,
        ...(opts.lock?.onEvent ? { onEvent: opts.lock.onEvent } : {}),
      });
    }
    const adapter = new PgliteAdapter(dataDir, opts);
    try {
      await adapter.engine.start();
      if (dataDir !== undefined && opts.lock?.lend) {
        adapter.lender = await serveLending(dataDir, opts.lock.command, (b, steps) => adapter.lend(b, steps));
      }
    } catch (e) {
      await adapter.engine.close().catch(() => undefined);
      if (dataDir !== undefined) await releaseDataDir(dataDir);
      throw toDatabaseError(e);
    }
    return adapter;
  }

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[], opts?: QueryOptions): Promise<QueryResult<Row>> {
    return this.enter((s) => s.query<Row>(sql, params), opts);
  }

  queryTable(sql: string): Promise<TableResult> {
    return this.withSession((s) => s.queryTable(sql));
  }

  withSession<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    return this.enter(fn);
  }

  transaction<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    return this.withSession(async (s) => {
      await s.query('begin');
      const generation = this.engine.generation;
      try {
        const out = await fn(s);
        await s.query('commit');
        return out;
      } catch (e) {
        // An interrupted statement took the transaction with its worker: nothing to roll back.
        if (this.engine.generation === generation) await this.engine.run({ op: 'exec', sql: 'rollback' }).catch(() => undefined);
        throw e;
      }
    });
  }

  /** Runs `fn` in a session: in place when already inside one, else after its turn in the queue. */
  private enter<T>(fn: (s: Session) => Promise<T>, opts: QueryOptions = {}): Promise<T> {
    // A call made from inside a session would wait for itself forever: run it in place instead.
    const current = this.inside.getStore();
    if (current) return fn(this.sessionFor(current));
    if (this.lentTo) return Promise.reject(this.lentError(this.lentTo));
    const started = Date.now();
    const deadline = opts.timeoutMs ? started + opts.timeoutMs : undefined;
    const queueDeadline = this.queueTimeoutMs ? started + this.queueTimeoutMs : undefined;
    const waitUntil = deadline === undefined ? queueDeadline : queueDeadline === undefined ? deadline : Math.min(deadline, queueDeadline);
    return new Promise<T>((resolve, reject) => {
      this.queue
        .run(
          async () => {
            if (this.lentTo) throw this.lentError(this.lentTo);
            const entry: ActiveSession = { ...(deadline !== undefined ? { deadline } : {}), ...(opts.signal ? { signal: opts.signal } : {}) };
            this.active.add(entry);
            try {
              resolve(await this.inside.run(entry, () => fn(this.sessionFor(entry))));
            } catch (e) {
              reject(e as Error);
            } finally {
              this.active.delete(entry);
              // A statement abandoned at its deadline (in-memory database) still occupies PGlite:
              // the caller has its answer, the next in line waits for PGlite to be free.
              await this.engine.idle();
            }
          },
          {
            ...(opts.signal ? { signal: opts.signal } : {}),
            ...(waitUntil !== undefined ? { deadline: waitUntil } : {}),
            onGiveUp: (reason, ahead) =>
              reason === 'aborted'
                ? abortedError()
                : timeoutError(`waited ${Date.now() - started} ms for the embedded database, which runs one statement at a time (${ahead} ahead)`),
          },
        )
        .catch(reject);
    });
  }

  /**
   * Runs one op of a session under its deadline, abort signal and `statementTimeoutMs`. The
   * per-statement clock starts once PGlite is open: reopening after a stopped statement takes
   * seconds on a loaded machine and must not use up the next statement's timeout (which would
   * stop it, and reopen again, forever).
   */
  private runOp(entry: ActiveSession, op: EngineOp): Promise<EngineResult> {
    return this.engine.start().then(() => this.runOpOpen(entry, op));
  }

  private runOpOpen(entry: ActiveSession, op: EngineOp): Promise<EngineResult> {
    if (entry.stopped) return Promise.reject(entry.stopped);
    if (entry.signal?.aborted) return Promise.reject(abortedError());
    const now = Date.now();
    const perStatement = this.statementTimeoutMs ? now + this.statementTimeoutMs : undefined;
    const deadline = entry.deadline === undefined ? perStatement : perStatement === undefined ? entry.deadline : Math.min(entry.deadline, perStatement);
    if (deadline !== undefined && deadline <= now) return Promise.reject(timeoutError('deadline passed'));
    return new Promise<EngineResult>((resolve, reject) => {
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        done = true;
        if (timer) clearTimeout(timer);
        entry.signal?.removeEventListener('abort', onAbort);
        if (entry.interrupt === interrupt) delete entry.interrupt;
      };
      const interrupt = (err: DatabaseError): void => {
        if (done) return;
        cleanup();
        entry.stopped = err;
        reject(err);
        // Data directory: stop the statement for real (PGlite recovers on the next statement).
        // In memory: it runs to its end (terminating would lose the database); the queue waits.
        if (this.dataDir !== undefined) void this.engine.kill(err);
      };
      const onAbort = (): void => interrupt(abortedError());
      entry.interrupt = interrupt;
      entry.signal?.addEventListener('abort', onAbort, { once: true });
      if (deadline !== undefined) {
        const ms = deadline - now;
        timer = setTimeout(() => interrupt(timeoutError(`${ms} ms`)), ms);
      }
      this.engine.run(op).then(
        (r) => {
          if (done) return;
          cleanup();
          resolve(r);
        },
        (e: unknown) => {
          if (done) return;
          cleanup();
          reject(toDatabaseError(e));
        },
      );
    });
  }

  private sessionFor(entry: ActiveSession): Session {
    return observeSession(this.sessionOf(entry), this.opts.onStatement);
  }

  private sessionOf(entry: ActiveSession): Session {
    return {
      query: async <Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> => {
        // exec accepts several statements (hooks); its last result is the answer.
        const op: EngineOp = !params || params.length === 0 ? { op: 'exec', sql } : { op: 'query', sql, params: [...params] };
        return toResult<Row>(await this.runOp(entry, op).catch((e: unknown) => Promise.reject(toDatabaseError(e, sql))));
      },
      queryTable: async (sql) => {
        const last = await this.runOp(entry, { op: 'exec', sql, rowMode: 'array' }).catch((e: unknown) => Promise.reject(toDatabaseError(e, sql)));
        const rows = (last.rows ?? []) as unknown[][];
        return {
          columns: (last.fields ?? []).map((f) => ({ name: f.name, typeId: f.dataTypeID })),
          rows,
          rowCount: typeof last.rowCount === 'number' ? last.rowCount : (last.affectedRows ?? rows.length),
        };
      },
      copyFrom: async (copySql, data) => {
        const sql = toBlobCopy(copySql);
        const r = await this.runOp(entry, { op: 'copy', sql, data: await toBytes(data) });
        return r.affectedRows ?? 0;
      },
    };
  }

  getRelation(ref: RelationRef): Promise<ExistingRelation | undefined> {
    return getRelation((sql, p) => this.query(sql, p), ref);
  }

  getColumns(ref: RelationRef): Promise<ColumnDef[]> {
    return getColumns((sql, p) => this.query(sql, p), ref);
  }

  listRelations(schema: string): Promise<ExistingRelation[]> {
    return listRelations((sql, p) => this.query(sql, p), schema);
  }

  /** Process-local per schema: other processes are kept out by the data-directory lock (held since open). */
  acquireRunLock(schema: string, opts: { wait: boolean }): Promise<(() => Promise<void>) | undefined> {
    return acquireSchemaRunLock(this.scope, schema, opts.wait);
  }

  /** Rejects queued work, stops open sessions and interrupts the running statement (see file comment). */
  async cancelAll(): Promise<void> {
    this.queue.rejectPending(cancelledError());
    for (const e of this.active) {
      e.stopped = cancelledError();
      e.interrupt?.(e.stopped);
    }
  }

  async serverVersion(): Promise<string> {
    const r = await this.query<{ version: string }>('select version() as version');
    return r.rows[0]?.version ?? 'unknown';
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.lender?.close();
    // A lend in progress notices `closing` within a poll and gives up taking the directory back.
    await this.lending?.catch(() => undefined);
    const lent = this.lentTo !== undefined;
    await this.engine.close();
    // While lent, the lock file is the borrower's.
    if (this.dataDir !== undefined && !lent) await releaseDataDir(this.dataDir);
  }

  private lentError(b: Borrower): DatabaseError {
    return stateError('57P03', `the embedded database is lent to '${b.command}' (pid ${b.pid}) until it finishes; retry shortly`);
  }

  /**
   * Lends the data directory to another process (strata serve): takes a turn in the queue (the
   * running statement finishes first), closes PGlite, hands the lock over, then waits for the
   * borrower to finish and reopens. Calls meanwhile fail at once (57P03: retry later).
   */
  private lend(b: Borrower, steps: { handOver: () => Promise<void>; reclaim: (stopped: () => boolean) => Promise<boolean> }): Promise<void> {
    const task = this.queue.run(async () => {
      if (this.closing) throw new Error('closing');
      await this.engine.close();
      this.lentTo = b;
      this.queue.rejectPending(this.lentError(b));
      try {
        await steps.handOver();
      } catch (e) {
        this.lentTo = undefined;
        throw e;
      }
      this.opts.lock?.onEvent?.({ type: 'lent', borrower: b });
      const back = await steps.reclaim(() => this.closing);
      if (!back) return;
      this.lentTo = undefined;
      this.opts.lock?.onEvent?.({ type: 'reclaimed', borrower: b });
      // Reopen now, so the next request does not pay for it (requests meanwhile wait their turn).
      await this.engine.start().catch(() => undefined);
    });
    this.lending = task;
    return task;
  }
}
