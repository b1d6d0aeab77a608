/**
 * The port every database-touching stage talks to. Implementations live in this folder and are
 * the only code importing knex / pg / PGlite.
 */
export interface QueryResult<Row = Record<string, unknown>> {
  readonly rows: readonly Row[];
  readonly rowCount: number;
}

export interface WarehouseAdapter {
  /** 'postgres' or 'pglite'. */
  readonly type: 'postgres' | 'pglite';
  /** Runs one statement with bound parameters ($1 / ? placeholders as knex raw accepts: `?`). */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /** `select version()` of the server. */
  serverVersion(): Promise<string>;
  close(): Promise<void>;
}
