/**
 * The port every database-touching stage talks to. Implementations live in this folder and are
 * the only code importing knex / pg / PGlite.
 */
import type { Readable } from 'node:stream';

export interface QueryResult<Row = Record<string, unknown>> {
  readonly rows: readonly Row[];
  readonly rowCount: number;
}

/** A result as a table: ordered column names and type oids, rows as arrays (duplicate names kept). */
export interface TableResult {
  readonly columns: readonly { readonly name: string; readonly typeId: number }[];
  readonly rows: readonly (readonly unknown[])[];
  readonly rowCount: number;
}

export type RelationKind = 'table' | 'view' | 'materialized_view' | 'partitioned_table' | 'foreign_table';

export interface RelationRef {
  readonly schema: string;
  readonly name: string;
}

export interface ExistingRelation extends RelationRef {
  readonly kind: RelationKind;
}

export interface ColumnDef {
  readonly name: string;
  /** Postgres type as `format_type` prints it, e.g. 'numeric(10,2)', 'timestamp without time zone'. */
  readonly dataType: string;
}

/** One connection. Statements run in order; `cancel()` from elsewhere stops the current one. */
export interface Session {
  /** Runs one statement with bound parameters (`$1`, `$2`, ...). */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /**
   * `COPY <table> (cols) FROM STDIN WITH (FORMAT csv, HEADER true)`-style load. `copySql` must read
   * from STDIN; the adapter streams `data` (pg-copy-streams on PostgreSQL, a Blob on PGlite).
   * Resolves to the number of rows loaded.
   */
  copyFrom(copySql: string, data: Readable | Buffer | string): Promise<number>;
  /** Runs SQL (one or more statements, no parameters); the last statement's result as a table. */
  queryTable(sql: string): Promise<TableResult>;
}

/** Per-call controls of `WarehouseAdapter.query` (the server's requests). */
export interface QueryOptions {
  /**
   * Aborting it cancels the statement: waiting for a connection it is dropped; running it is
   * cancelled in the database (`pg_cancel_backend` on PostgreSQL). The promise rejects with a
   * DatabaseError of code 57014.
   */
  readonly signal?: AbortSignal;
  /** Cancels the statement (as `signal` does) when it has run this long, in ms; 0/undefined = none. */
  readonly timeoutMs?: number;
}

export interface WarehouseAdapter {
  /** 'postgres' or 'pglite'. */
  readonly type: 'postgres' | 'pglite';
  /** `statement_timeout` set on every connection when opened (PostgreSQL), in ms; undefined = none. */
  readonly statementTimeoutMs?: number;
  /** How many sessions can run at once (pool size; 1 for PGlite). */
  readonly maxConcurrency: number;
  /** Runs one statement on any pooled connection. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[], opts?: QueryOptions): Promise<QueryResult<Row>>;
  /** Runs `fn` with a dedicated connection; statements there can be cancelled by `cancelAll`. */
  /** `Session.queryTable` on a pooled connection (templates' run_query / statement). */
  queryTable(sql: string): Promise<TableResult>;
  withSession<T>(fn: (s: Session) => Promise<T>): Promise<T>;
  /** `begin` … `commit` on one connection; any throw rolls back and rethrows. */
  transaction<T>(fn: (s: Session) => Promise<T>): Promise<T>;
  getRelation(ref: RelationRef): Promise<ExistingRelation | undefined>;
  getColumns(ref: RelationRef): Promise<ColumnDef[]>;
  listRelations(schema: string): Promise<ExistingRelation[]>;
  /**
   * Takes the run lock for a target schema (a session-level advisory lock held on a dedicated
   * connection) so two runs against one target never interleave. `wait: false` resolves
   * undefined when another run holds it. The returned function releases it.
   */
  acquireRunLock(schema: string, opts: { wait: boolean }): Promise<(() => Promise<void>) | undefined>;
  /** Cancels every statement running in sessions of this adapter (Ctrl-C). */
  cancelAll(): Promise<void>;
  /** `select version()` of the server. */
  serverVersion(): Promise<string>;
  close(): Promise<void>;
}
