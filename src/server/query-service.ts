import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import {
  planQuery,
  planTotal,
  QueryError,
  rollupFingerprint,
  shapeRows,
  type BuiltRollups,
  type MetricQuery,
  type PlannedQuery,
  type SecurityContext,
  type SemanticLayer,
} from '../semantic/index.js';
import { ApiError } from './api-error.js';
import { cacheKey, policyFingerprint } from './cache-key.js';
import { classifyDatabaseError } from './database-failure.js';
import { clientClosed, type ConcurrencyLimiter } from './limiter.js';
import { readBuildState, rollupIsCurrent, type BuildState } from './metadata.js';
import type { ResultCache } from './result-cache.js';

export interface QueryServiceOptions {
  readonly layer: SemanticLayer;
  readonly adapter: WarehouseAdapter;
  readonly cache: ResultCache;
  readonly cacheTtlMs: number;
  readonly limiter: ConcurrencyLimiter;
  /** Per statement (PostgreSQL `statement_timeout`); 0 = none. */
  readonly statementTimeoutMs: number;
  readonly metaSchema: string;
  /** The target schema whose builds and rollups this server reads (strata_meta rows are keyed by it). */
  readonly targetSchema: string;
  /** Rows returned when a query sets no limit (default 10,000). */
  readonly defaultLimit?: number;
  /** The largest limit a query may ask for (default 100,000); more is a 400. */
  readonly maxLimit?: number;
  /** Logs server-side details (database errors) that callers never see. */
  readonly log: (level: 'warn' | 'error', obj: Record<string, unknown>, msg: string) => void;
}

/** The caller, as the server knows them after authentication. */
export type Caller = SecurityContext & { readonly roleName: string };

/** A response body ready to send (JSON text), plus what happened, for logs and tests. */
export interface QueryOutcome {
  readonly body: string;
  readonly cache: 'hit' | 'miss';
  readonly rollup: string | null;
  /** More rows matched than the limit returned. */
  readonly truncated: boolean;
}

/**
 * Answers metric queries: cache → planner (access rules, rollup choice) → admission control →
 * database → API rows. Knows nothing of HTTP except the statuses its errors carry.
 *
 * @example
 * const out = await service.run(parseMetricQuery({ metrics: ['revenue'] }), caller, 'req-1');
 * JSON.parse(out.body) // { columns: [...], rows: [{ revenue: 123 }], meta: { cache: 'miss', rollup: null, ms: 2.1 } }
 */
export class QueryService {
  private state: BuildState = { buildId: null, rollups: {}, nodes: {} };
  private built: BuiltRollups = {};
  /** `built` as sorted pairs, part of every cache key (computed once per refresh). */
  private builtKey: readonly (readonly [string, string])[] = [];

  constructor(private readonly o: QueryServiceOptions) {}

  get buildId(): string | null {
    return this.state.buildId;
  }

  get builtRollups(): BuiltRollups {
    return this.built;
  }

  /** Re-reads the latest build id and rollups (startup and every few seconds). */
  async refreshState(): Promise<void> {
    const s = await readBuildState(this.o.adapter, this.o.metaSchema, this.o.targetSchema);
    const built: Record<string, string> = {};
    for (const r of Object.values(this.o.layer.rollups ?? {})) {
      const b = s.rollups[r.name];
      // A rollup built from an older definition stores something else, and one built before its
      // sources were rebuilt holds older numbers: neither is read until rebuilt.
      if (b && b.fingerprint === rollupFingerprint(this.o.layer, r) && rollupIsCurrent(b, s.nodes)) built[r.name] = b.relation;
    }
    this.state = s;
    this.built = built;
    this.builtKey = Object.entries(built).sort(([a], [b]) => a.localeCompare(b));
  }

  /** Plans without running (for `POST /api/v1/sql`); errors as for `run`. */
  plan(query: MetricQuery, caller: Caller, opts: { useRollups?: boolean } = {}): PlannedQuery {
    try {
      return planQuery(this.o.layer, query, caller, opts.useRollups === false ? {} : { rollups: this.built });
    } catch (e) {
      if (e instanceof QueryError) {
        throw new ApiError(e.status, e.status === 403 ? 'forbidden' : 'invalid_query', e.message, e.diagnostics);
      }
      throw e;
    }
  }

  /**
   * Plans (access rules first: a refused query never reaches the cache), then answers from the
   * cache or the database. `signal` aborts when the client goes away: the request leaves the
   * queue, or its statement is cancelled in the database.
   */
  async run(query: MetricQuery, caller: Caller, requestId: string, signal?: AbortSignal): Promise<QueryOutcome> {
    const started = performance.now();
    const limit = this.limitFor(query);
    const capped: MetricQuery = { ...query, limit };
    const plan = this.plan({ ...capped, limit: limit + 1 }, caller);
    const key = cacheKey(capped, caller.roleName, caller.user, this.state.buildId, {
      policy: policyFingerprint(caller.role),
      rollups: this.builtKey,
    });
    const hit = await this.o.cache.get(key);
    if (hit !== undefined) {
      const nl = hit.indexOf('\n');
      const head = JSON.parse(hit.slice(0, nl)) as { rollup: string | null; truncated: boolean };
      return { body: `${hit.slice(nl + 1)},"meta":${meta('hit', head.rollup, started, head.truncated, plan)}}`, cache: 'hit', rollup: head.rollup, truncated: head.truncated };
    }
    const release = await this.o.limiter.acquire(caller.roleName, signal);
    let rows: readonly Record<string, unknown>[];
    try {
      rows = await this.execute(plan.sql, plan.params, signal);
    } catch (e) {
      if (signal?.aborted) throw clientClosed();
      const failure = classifyDatabaseError(e);
      this.o.log(failure.status === 503 ? 'warn' : 'error', { requestId, err: e instanceof Error ? { message: e.message, code: (e as { code?: unknown }).code } : String(e), sql: plan.sql }, 'query failed');
      throw new ApiError(failure.status, failure.code, `${failure.message} (request ${requestId})`);
    } finally {
      release();
    }
    const truncated = rows.length > limit;
    if (truncated) rows = rows.slice(0, limit);
    const prefix = `{"columns":${JSON.stringify(plan.columns)},"rows":${JSON.stringify(shapeRows(plan.columns, rows))}`;
    const rollup = plan.rollup ?? null;
    void this.o.cache.set(key, `${JSON.stringify({ rollup, truncated })}\n${prefix}`, this.o.cacheTtlMs);
    return { body: `${prefix},"meta":${meta('miss', rollup, started, truncated, plan)}}`, cache: 'miss', rollup, truncated };
  }

  /**
   * The number of rows `query` has without its limit and offset (Cube's `total`): planned with the
   * same access rules and rollups as `run`, cached under the same key parts, admitted and
   * classified like `run`.
   */
  async total(query: MetricQuery, caller: Caller, requestId: string, signal?: AbortSignal): Promise<number> {
    let t: { sql: string; params: readonly unknown[] };
    try {
      t = planTotal(this.o.layer, query, caller, { rollups: this.built });
    } catch (e) {
      if (e instanceof QueryError) throw new ApiError(e.status, e.status === 403 ? 'forbidden' : 'invalid_query', e.message, e.diagnostics);
      throw e;
    }
    const { limit: _l, offset: _o, ...counted } = query;
    const key = `total:${cacheKey({ ...counted, order: [] }, caller.roleName, caller.user, this.state.buildId, { policy: policyFingerprint(caller.role), rollups: this.builtKey })}`;
    const hit = await this.o.cache.get(key);
    if (hit !== undefined) return Number(hit);
    const release = await this.o.limiter.acquire(caller.roleName, signal);
    let rows: readonly Record<string, unknown>[];
    try {
      rows = await this.execute(t.sql, t.params, signal);
    } catch (e) {
      if (signal?.aborted) throw clientClosed();
      const failure = classifyDatabaseError(e);
      this.o.log(failure.status === 503 ? 'warn' : 'error', { requestId, err: e instanceof Error ? { message: e.message, code: (e as { code?: unknown }).code } : String(e), sql: t.sql }, 'total query failed');
      throw new ApiError(failure.status, failure.code, `${failure.message} (request ${requestId})`);
    } finally {
      release();
    }
    const n = Number(rows[0]?.['total'] ?? 0);
    void this.o.cache.set(key, String(n), this.o.cacheTtlMs);
    return n;
  }

  /** The query's row limit: its own, or the default; above the maximum it is refused. */
  private limitFor(query: MetricQuery): number {
    const max = this.o.maxLimit ?? 100_000;
    const limit = query.limit ?? Math.min(this.o.defaultLimit ?? 10_000, max);
    if (limit > max) {
      throw new ApiError(400, 'invalid_query', `limit ${limit} is above this server's maximum of ${max} rows`, [
        { code: 'query-invalid', severity: 'error', message: `limit ${limit} is above the maximum of ${max}`, hint: 'ask for fewer rows, page with filters, or start the server with a higher --max-rows' },
      ]);
    }
    return limit;
  }

  private async execute(sql: string, params: readonly unknown[], signal: AbortSignal | undefined): Promise<readonly Record<string, unknown>[]> {
    const t = this.o.statementTimeoutMs;
    // The deadline is enforced by the adapter (cancelled in the database when it passes), as is
    // the client going away.
    return (await this.o.adapter.query<Record<string, unknown>>(sql, params, { ...(signal ? { signal } : {}), ...(t > 0 ? { timeoutMs: t } : {}) })).rows;
  }
}

function meta(cache: 'hit' | 'miss', rollup: string | null, started: number, truncated: boolean, plan: PlannedQuery): string {
  const drill = plan.drill ? `,"drill":${JSON.stringify(plan.drill)}` : '';
  return `{"cache":"${cache}","rollup":${JSON.stringify(rollup)},"ms":${ms(started)},"truncated":${truncated}${drill}}`;
}

function ms(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
