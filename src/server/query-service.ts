import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import {
  planQuery,
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
import { cacheKey } from './cache-key.js';
import { classifyDatabaseError } from './database-failure.js';
import type { ConcurrencyLimiter } from './limiter.js';
import { readBuildState, type BuildState } from './metadata.js';
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
  private state: BuildState = { buildId: null, rollups: {} };
  private built: BuiltRollups = {};

  constructor(private readonly o: QueryServiceOptions) {}

  get buildId(): string | null {
    return this.state.buildId;
  }

  get builtRollups(): BuiltRollups {
    return this.built;
  }

  /** Re-reads the latest build id and rollups (startup and every few seconds). */
  async refreshState(): Promise<void> {
    const s = await readBuildState(this.o.adapter, this.o.metaSchema);
    const built: Record<string, string> = {};
    for (const r of Object.values(this.o.layer.rollups ?? {})) {
      const b = s.rollups[r.name];
      // A rollup built from an older definition stores something else: not used until rebuilt.
      if (b && b.fingerprint === rollupFingerprint(this.o.layer, r)) built[r.name] = b.relation;
    }
    this.state = s;
    this.built = built;
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

  async run(query: MetricQuery, caller: Caller, requestId: string): Promise<QueryOutcome> {
    const started = performance.now();
    const key = cacheKey(query, caller.roleName, caller.user, this.state.buildId);
    const hit = await this.o.cache.get(key);
    if (hit !== undefined) {
      const nl = hit.indexOf('\n');
      const rollup = JSON.parse(hit.slice(0, nl)) as string | null;
      return { body: `${hit.slice(nl + 1)},"meta":{"cache":"hit","rollup":${JSON.stringify(rollup)},"ms":${ms(started)}}}`, cache: 'hit', rollup };
    }
    const plan = this.plan(query, caller);
    const release = this.o.limiter.acquire(caller.roleName);
    let rows: readonly Record<string, unknown>[];
    try {
      rows = await this.execute(plan.sql, plan.params);
    } catch (e) {
      const failure = classifyDatabaseError(e);
      this.o.log(failure.status === 503 ? 'warn' : 'error', { requestId, err: e instanceof Error ? { message: e.message, code: (e as { code?: unknown }).code } : String(e), sql: plan.sql }, 'query failed');
      throw new ApiError(failure.status, failure.code, `${failure.message} (request ${requestId})`);
    } finally {
      release();
    }
    const prefix = `{"columns":${JSON.stringify(plan.columns)},"rows":${JSON.stringify(shapeRows(plan.columns, rows))}`;
    const rollup = plan.rollup ?? null;
    void this.o.cache.set(key, `${JSON.stringify(rollup)}\n${prefix}`, this.o.cacheTtlMs);
    const drill = plan.drill ? `,"drill":${JSON.stringify(plan.drill)}` : '';
    return { body: `${prefix},"meta":{"cache":"miss","rollup":${JSON.stringify(rollup)},"ms":${ms(started)}${drill}}}`, cache: 'miss', rollup };
  }

  private async execute(sql: string, params: readonly unknown[]): Promise<readonly Record<string, unknown>[]> {
    const t = this.o.statementTimeoutMs;
    // The adapter may set the timeout on every connection at connect time: no extra round trip.
    if (this.o.adapter.type !== 'postgres' || t <= 0 || this.o.adapter.statementTimeoutMs === t) {
      return (await this.o.adapter.query<Record<string, unknown>>(sql, params)).rows;
    }
    return this.o.adapter.withSession(async (s) => {
      // Per session: a pooled connection may have served another timeout before.
      await s.query(`set statement_timeout = ${Math.floor(t)}`);
      return (await s.query<Record<string, unknown>>(sql, params)).rows;
    });
  }
}

function ms(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
