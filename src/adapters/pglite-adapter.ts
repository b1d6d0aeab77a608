/**
 * Embedded PGlite adapter. PGlite is one connection inside this process: every session and
 * transaction takes its turn through a FIFO queue (`maxConcurrency` 1), so callers may use it
 * exactly like the pooled PostgreSQL adapter.
 *
 * Cancellation: PGlite runs a statement synchronously inside WebAssembly and cannot be
 * interrupted. `cancelAll` therefore rejects queued sessions and makes the running session's
 * *next* statement reject; the statement already running finishes.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { PGlite, type Results } from '@electric-sql/pglite';
import type { ResolvedTarget } from '../project/types.js';
import { getColumns, getRelation, listRelations } from './catalog.js';
import { cancelledError, toDatabaseError } from './database-error.js';
import { acquirePgliteRunLock } from './pglite-run-lock.js';
import { SerialQueue } from './serial-queue.js';
import type { ColumnDef, ExistingRelation, QueryResult, RelationRef, Session, TableResult, WarehouseAdapter } from './warehouse-adapter.js';

type PgliteTarget = Extract<ResolvedTarget, { type: 'pglite' }>;

interface ActiveSession {
  cancelled: boolean;
}

let memoryIds = 0;

function toResult<Row>(res: Results | undefined): QueryResult<Row> {
  const rows = (res?.rows ?? []) as Row[];
  // PGlite's runtime result carries the command tag's count as `rowCount` (CTAS included), which
  // its typings omit; `affectedRows` is 0 for CTAS, so prefer the former.
  const tagged = (res as { rowCount?: unknown } | undefined)?.rowCount;
  return { rows, rowCount: typeof tagged === 'number' ? tagged : (res?.affectedRows ?? rows.length) };
}

async function toBlob(data: Readable | Buffer | string): Promise<Blob> {
  if (typeof data === 'string' || Buffer.isBuffer(data)) return new Blob([data]);
  const chunks: Buffer[] = [];
  for await (const chunk of data) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return new Blob(chunks);
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

export class PgliteAdapter implements WarehouseAdapter {
  readonly type = 'pglite' as const;
  readonly maxConcurrency = 1;
  private readonly queue = new SerialQueue();
  /** Set while the current async context is inside one of our sessions (re-entrancy). */
  private readonly inside = new AsyncLocalStorage<ActiveSession>();
  private readonly active = new Set<ActiveSession>();
  private readonly locks = new Set<() => Promise<void>>();
  private readonly scope = `memory-${++memoryIds}`;

  private constructor(
    private readonly db: PGlite,
    private readonly dataDir: string | undefined,
  ) {}

  /** Opens (creating if needed) the data directory, or an in-memory database for 'memory://'. */
  static async open(target: PgliteTarget): Promise<PgliteAdapter> {
    const memory = target.path === 'memory://' || target.path === '';
    if (!memory) await mkdir(target.path, { recursive: true });
    const db = memory ? new PGlite() : new PGlite(target.path);
    await db.waitReady;
    return new PgliteAdapter(db, memory ? undefined : target.path);
  }

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    return this.withSession((s) => s.query<Row>(sql, params));
  }

  queryTable(sql: string): Promise<TableResult> {
    return this.withSession((s) => s.queryTable(sql));
  }

  withSession<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    // A call made from inside a session would wait for itself forever: run it in place instead.
    const current = this.inside.getStore();
    if (current) return fn(this.sessionFor(current));
    return this.queue.run(async () => {
      const entry: ActiveSession = { cancelled: false };
      this.active.add(entry);
      try {
        return await this.inside.run(entry, () => fn(this.sessionFor(entry)));
      } finally {
        this.active.delete(entry);
      }
    });
  }

  transaction<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    return this.withSession(async (s) => {
      await s.query('begin');
      try {
        const out = await fn(s);
        await s.query('commit');
        return out;
      } catch (e) {
        await this.db.query('rollback').catch(() => undefined);
        throw e;
      }
    });
  }

  private sessionFor(entry: ActiveSession): Session {
    return {
      query: async <Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> => {
        if (entry.cancelled) throw cancelledError();
        try {
          if (!params || params.length === 0) {
            // exec accepts several statements (hooks); its last result is the answer.
            const all = await this.db.exec(sql);
            return toResult<Row>(all[all.length - 1]);
          }
          return toResult<Row>((await this.db.query(sql, [...params])) as Results);
        } catch (e) {
          throw toDatabaseError(e);
        }
      },
      queryTable: async (sql) => {
        if (entry.cancelled) throw cancelledError();
        try {
          const all = await this.db.exec(sql, { rowMode: 'array' });
          const last = all[all.length - 1];
          const rows = (last?.rows ?? []) as unknown as unknown[][];
          const tagged = (last as { rowCount?: unknown } | undefined)?.rowCount;
          return {
            columns: (last?.fields ?? []).map((f) => ({ name: f.name, typeId: f.dataTypeID })),
            rows,
            rowCount: typeof tagged === 'number' ? tagged : (last?.affectedRows ?? rows.length),
          };
        } catch (e) {
          throw toDatabaseError(e);
        }
      },
      copyFrom: async (copySql, data) => {
        if (entry.cancelled) throw cancelledError();
        const blob = await toBlob(data);
        try {
          const r = await this.db.query(toBlobCopy(copySql), [], { blob });
          return r.affectedRows ?? 0;
        } catch (e) {
          throw toDatabaseError(e);
        }
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

  async acquireRunLock(schema: string, opts: { wait: boolean }): Promise<(() => Promise<void>) | undefined> {
    const release = await acquirePgliteRunLock(this.dataDir, this.scope, schema, opts.wait);
    if (!release) return undefined;
    const tracked = async (): Promise<void> => {
      this.locks.delete(tracked);
      await release();
    };
    this.locks.add(tracked);
    return tracked;
  }

  /** Rejects queued work and stops open sessions at their next statement (see file comment). */
  async cancelAll(): Promise<void> {
    for (const e of this.active) e.cancelled = true;
    this.queue.rejectPending(cancelledError());
  }

  async serverVersion(): Promise<string> {
    const r = await this.query<{ version: string }>('select version() as version');
    return r.rows[0]?.version ?? 'unknown';
  }

  async close(): Promise<void> {
    for (const release of [...this.locks]) await release().catch(() => undefined);
    await this.db.close();
  }
}
