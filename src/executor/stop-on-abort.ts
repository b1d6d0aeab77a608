/**
 * After Ctrl-C nothing new may reach the database: the adapter handed to nodes (and to the
 * execution-time renderer) refuses every statement once the run's signal aborted. Statements
 * already running are the adapter's `cancelAll` business.
 */
import type {
  ColumnDef,
  ExistingRelation,
  QueryOptions,
  QueryResult,
  RelationRef,
  Session,
  TableResult,
  WarehouseAdapter,
} from '../adapters/warehouse-adapter.js';

/** The error a statement gets when it would start after the interrupt (SQLSTATE 57014, like a cancel). */
export function interruptedError(): Error & { code: string } {
  return Object.assign(new Error('canceling statement due to user request (the run was interrupted)'), { code: '57014' });
}

class StoppingAdapter implements WarehouseAdapter {
  constructor(
    private readonly inner: WarehouseAdapter,
    private readonly signal: AbortSignal,
  ) {}

  get type(): 'postgres' | 'pglite' {
    return this.inner.type;
  }

  get statementTimeoutMs(): number | undefined {
    return this.inner.statementTimeoutMs;
  }

  get maxConcurrency(): number {
    return this.inner.maxConcurrency;
  }

  private guard<T>(f: () => Promise<T>): Promise<T> {
    if (this.signal.aborted) return Promise.reject(interruptedError());
    return f();
  }

  private session(s: Session): Session {
    return {
      query: <Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> => this.guard(() => s.query<Row>(sql, params)),
      copyFrom: (sql, data) => this.guard(() => s.copyFrom(sql, data)),
      queryTable: (sql) => this.guard(() => s.queryTable(sql)),
    };
  }

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[], opts?: QueryOptions): Promise<QueryResult<Row>> {
    return this.guard(() => this.inner.query<Row>(sql, params, opts));
  }

  queryTable(sql: string): Promise<TableResult> {
    return this.guard(() => this.inner.queryTable(sql));
  }

  withSession<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    return this.guard(() => this.inner.withSession((s) => fn(this.session(s))));
  }

  transaction<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    return this.guard(() => this.inner.transaction((s) => fn(this.session(s))));
  }

  getRelation(ref: RelationRef): Promise<ExistingRelation | undefined> {
    return this.guard(() => this.inner.getRelation(ref));
  }

  getColumns(ref: RelationRef): Promise<ColumnDef[]> {
    return this.guard(() => this.inner.getColumns(ref));
  }

  listRelations(schema: string): Promise<ExistingRelation[]> {
    return this.guard(() => this.inner.listRelations(schema));
  }

  acquireRunLock(schema: string, opts: { wait: boolean }): Promise<(() => Promise<void>) | undefined> {
    return this.inner.acquireRunLock(schema, opts);
  }

  cancelAll(): Promise<void> {
    return this.inner.cancelAll();
  }

  serverVersion(): Promise<string> {
    return this.guard(() => this.inner.serverVersion());
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * `adapter`, except that once `signal` aborted every new call and every new statement of an
 * open session rejects at once with 57014 (nothing is sent). Without a signal: `adapter` itself.
 *
 * @example const nodes = stopOnAbort(adapter, ctrlC.signal)
 */
export function stopOnAbort(adapter: WarehouseAdapter, signal: AbortSignal | undefined): WarehouseAdapter {
  return signal ? new StoppingAdapter(adapter, signal) : adapter;
}
