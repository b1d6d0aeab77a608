/**
 * PostgreSQL adapter: knex owns the pool (sized `threads + 1`, the extra slot is for the run
 * lock); statements run on the pooled pg clients directly so `$1` parameters and multi-statement
 * hooks reach the server untouched (knex.raw would rewrite `?`, which breaks jsonb operators).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import type { ResolvedTarget } from '../project/types.js';
import { getColumns, getRelation, listRelations, runLockKeySql } from './catalog.js';
import { cancelledError, toDatabaseError } from './database-error.js';
import { observeSession, type StatementListener } from './statement-events.js';
import type { ColumnDef, ExistingRelation, QueryOptions, QueryResult, RelationRef, Session, TableResult, WarehouseAdapter } from './warehouse-adapter.js';

type PostgresTarget = Extract<ResolvedTarget, { type: 'postgres' }>;

/** A pooled connection lent to one `withSession` call. */
interface ActiveSession {
  readonly client: pg.Client;
  pid: number | undefined;
  cancelled: boolean;
}

function connectionConfig(t: PostgresTarget): pg.ClientConfig {
  return {
    host: t.host,
    port: t.port,
    user: t.user,
    ...(t.password !== undefined ? { password: t.password } : {}),
    database: t.dbname,
    ...(t.sslmode && t.sslmode !== 'disable' ? { ssl: { rejectUnauthorized: t.sslmode === 'verify-full' } } : {}),
    connectionTimeoutMillis: 10_000,
    application_name: 'strata',
  };
}

function toResult<Row>(res: pg.QueryResult | pg.QueryResult[]): QueryResult<Row> {
  // A multi-statement string (hooks) yields one result per statement; the last one is the answer.
  const last = Array.isArray(res) ? res[res.length - 1] : res;
  const rows = (last?.rows ?? []) as Row[];
  return { rows, rowCount: last?.rowCount ?? rows.length };
}

function toReadable(data: Readable | Buffer | string): Readable {
  return typeof data === 'string' || Buffer.isBuffer(data) ? Readable.from([data]) : data;
}

export class PostgresAdapter implements WarehouseAdapter {
  readonly type = 'postgres' as const;
  readonly maxConcurrency: number;
  private readonly knex: Knex;
  private readonly config: pg.ClientConfig;
  private readonly active = new Set<ActiveSession>();
  /** The connection holding this process's run locks (see acquireRunLock). */
  private lockClient: pg.Client | undefined;
  private readonly locks = new Set<() => Promise<void>>();

  readonly statementTimeoutMs?: number;

  private readonly onStatement: StatementListener | undefined;

  constructor(target: PostgresTarget, opts: { readonly statementTimeoutMs?: number; readonly onStatement?: StatementListener } = {}) {
    this.onStatement = opts.onStatement;
    this.maxConcurrency = Math.max(1, target.threads);
    this.config = connectionConfig(target);
    if (opts.statementTimeoutMs !== undefined && opts.statementTimeoutMs > 0) {
      this.statementTimeoutMs = opts.statementTimeoutMs;
      this.config = { ...this.config, statement_timeout: opts.statementTimeoutMs };
    }
    this.knex = knexFactory({
      client: 'pg',
      connection: this.config as Knex.PgConnectionConfig,
      pool: { min: 0, max: this.maxConcurrency + 1 },
      // Errors reach the caller as rejections; knex's own console logging would only duplicate
      // them on the user's terminal (and only cli/ prints).
      log: { warn: () => undefined, error: () => undefined, deprecate: () => undefined, debug: () => undefined },
    });
  }

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[], opts: QueryOptions = {}): Promise<QueryResult<Row>> {
    if (!opts.signal && !opts.timeoutMs) return this.withSession((s) => s.query<Row>(sql, params));
    const { signal, timeoutMs } = opts;
    if (signal?.aborted) return Promise.reject(cancelledError());
    return this.withEntry(async (entry) => {
      const s = this.sessionFor(entry);
      // Aborted while waiting for the connection: never start.
      if (signal?.aborted) throw cancelledError();
      let cancelling: Promise<void> | undefined;
      const cancel = (): void => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        cancelling = this.cancelBackends([entry.pid]).catch(() => undefined);
      };
      const timer = timeoutMs ? setTimeout(cancel, timeoutMs) : undefined;
      signal?.addEventListener('abort', cancel, { once: true });
      try {
        return await s.query<Row>(sql, params);
      } finally {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', cancel);
        // The connection goes back to the pool only once the cancel has landed, so it can
        // never cancel the next statement run on it.
        if (cancelling) await cancelling;
      }
    });
  }

  queryTable(sql: string): Promise<TableResult> {
    return this.withSession((s) => s.queryTable(sql));
  }

  withSession<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    return this.withEntry((entry) => fn(this.sessionFor(entry)));
  }

  /** A pooled connection, registered (with its backend pid) for cancellation while lent. */
  private async withEntry<T>(fn: (entry: ActiveSession) => Promise<T>): Promise<T> {
    const client = (await this.knex.client.acquireConnection()) as pg.Client;
    const entry: ActiveSession = { client, pid: (client as pg.Client & { processID?: number }).processID ?? undefined, cancelled: false };
    this.active.add(entry);
    try {
      if (entry.pid === undefined) {
        const r = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
        entry.pid = r.rows[0]?.pid;
      }
      return await fn(entry);
    } finally {
      this.active.delete(entry);
      await this.knex.client.releaseConnection(client);
    }
  }

  transaction<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    return this.withSession(async (s) => {
      await s.query('begin');
      try {
        const out = await fn(s);
        await s.query('commit');
        return out;
      } catch (e) {
        // Rollback must run even after cancelAll marked the session, hence the raw client.
        await s.query('rollback').catch(() => undefined);
        throw e;
      }
    });
  }

  private sessionFor(entry: ActiveSession): Session {
    return observeSession(this.sessionOf(entry), this.onStatement);
  }

  private sessionOf(entry: ActiveSession): Session {
    const run = async <Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> => {
      if (entry.cancelled && !/^\s*rollback\s*$/i.test(sql)) throw cancelledError();
      try {
        const res = await entry.client.query(sql, params ? [...params] : undefined);
        return toResult<Row>(res as pg.QueryResult | pg.QueryResult[]);
      } catch (e) {
        throw toDatabaseError(e, sql);
      }
    };
    return {
      query: run,
      queryTable: async (sql) => {
        if (entry.cancelled) throw cancelledError();
        try {
          const res = (await entry.client.query({ text: sql, rowMode: 'array' })) as unknown as pg.QueryResult<unknown[]> | pg.QueryResult<unknown[]>[];
          const last = Array.isArray(res) ? res[res.length - 1] : res;
          return {
            columns: (last?.fields ?? []).map((f) => ({ name: f.name, typeId: f.dataTypeID })),
            rows: last?.rows ?? [],
            rowCount: last?.rowCount ?? last?.rows.length ?? 0,
          };
        } catch (e) {
          throw toDatabaseError(e, sql);
        }
      },
      copyFrom: async (copySql, data) => {
        if (entry.cancelled) throw cancelledError();
        const stream = entry.client.query(copyFromStdin(copySql));
        try {
          await pipeline(toReadable(data), stream);
        } catch (e) {
          throw toDatabaseError(e);
        }
        return stream.rowCount ?? 0;
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

  /**
   * Session-level advisory lock on `hashtext('strata:' || schema)`. Every lock of the run is held
   * by ONE pooled connection (the pool's extra slot), however many schemas the run touches; it
   * returns to the pool when the last lock is released (or the process dies: the server frees them).
   */
  async acquireRunLock(schema: string, opts: { wait: boolean }): Promise<(() => Promise<void>) | undefined> {
    this.lockClient ??= (await this.knex.client.acquireConnection()) as pg.Client;
    const client = this.lockClient;
    const giveBack = async (): Promise<void> => {
      if (this.locks.size > 0 || this.lockClient !== client) return;
      this.lockClient = undefined;
      await this.knex.client.releaseConnection(client);
    };
    try {
      if (opts.wait) {
        await client.query(`select pg_advisory_lock(${runLockKeySql()})`, [schema]);
      } else {
        const r = await client.query<{ ok: boolean }>(`select pg_try_advisory_lock(${runLockKeySql()}) as ok`, [schema]);
        if (!r.rows[0]?.ok) {
          await giveBack();
          return undefined;
        }
      }
    } catch (e) {
      await giveBack();
      throw toDatabaseError(e);
    }
    let released = false;
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      this.locks.delete(release);
      try {
        await client.query(`select pg_advisory_unlock(${runLockKeySql()})`, [schema]);
      } finally {
        await giveBack();
      }
    };
    this.locks.add(release);
    return release;
  }

  /**
   * Marks every open session cancelled (its next statements reject) and sends
   * `pg_cancel_backend` for their backends from a separate connection, so it works even when the
   * pool is exhausted.
   */
  async cancelAll(): Promise<void> {
    const entries = [...this.active];
    for (const e of entries) e.cancelled = true;
    await this.cancelBackends(entries.map((e) => e.pid));
  }

  /** `pg_cancel_backend` from a connection of its own (the pool may be exhausted). */
  private async cancelBackends(pids: readonly (number | undefined)[]): Promise<void> {
    const list = pids.filter((p): p is number => typeof p === 'number');
    if (list.length === 0) return;
    const client = new pg.Client(this.config);
    await client.connect();
    try {
      await client.query('select pg_cancel_backend(pid) from unnest($1::int[]) as pid', [list]);
    } finally {
      await client.end();
    }
  }

  async serverVersion(): Promise<string> {
    const r = await this.query<{ version: string }>('select version() as version');
    return r.rows[0]?.version ?? 'unknown';
  }

  async close(): Promise<void> {
    for (const release of [...this.locks]) await release().catch(() => undefined);
    await this.knex.destroy();
  }
}
