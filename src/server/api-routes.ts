import type { FastifyInstance } from 'fastify';
import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import { FILTER_OPS, parseMetricQuery, QueryError, visibleMeta, type MetricQuery, type SemanticLayer } from '../semantic/index.js';
import { ApiError } from './api-error.js';
import type { ConcurrencyLimiter } from './limiter.js';
import { callerOf, requestSignal } from './request-caller.js';
import { openApiDocument } from './openapi.js';
import type { QueryService } from './query-service.js';
import type { ResultCache } from './result-cache.js';

interface Deps {
  readonly layer: SemanticLayer;
  readonly adapter: WarehouseAdapter;
  readonly service: QueryService;
  readonly cache: ResultCache;
  readonly limiter: ConcurrencyLimiter;
  /** Further dependencies to report (online store, shared cache): name → bounded check. */
  readonly healthChecks: Readonly<Record<string, () => Promise<'ok' | 'unavailable'>>>;
}

/** Request JSON → MetricQuery, as a 400 with the planner's message when invalid. */
export function toMetricQuery(raw: unknown): MetricQuery {
  try {
    return parseMetricQuery(raw);
  } catch (e) {
    if (e instanceof QueryError) throw new ApiError(400, 'invalid_query', e.message, e.diagnostics);
    throw e;
  }
}

/**
 * `/health`, `/api/v1/openapi.json`, `/api/v1/meta`, `/api/v1/query`, `/api/v1/metrics/:name`,
 * `/api/v1/sql`.
 *
 * @example registerApiRoutes(app, { layer, adapter, service, cache })
 */
export function registerApiRoutes(app: FastifyInstance, d: Deps): void {
  // The database probe runs at most once a second, outside the admission queue and bounded by
  // its own deadline, so /health neither waits behind slow queries nor adds load under abuse.
  let probe: { at: number; result: Promise<string> } | undefined;
  const database = (): Promise<string> => {
    if (!probe || Date.now() - probe.at > 1_000) {
      probe = {
        at: Date.now(),
        result: d.adapter.query('select 1', [], { timeoutMs: 1_000 }).then(
          () => 'ok',
          (e: unknown) => ((e as { code?: unknown }).code === '57014' ? 'busy' : 'unavailable'),
        ),
      };
    }
    return probe.result;
  };
  app.get('/health', async (_req, reply) => {
    const checks = Object.entries(d.healthChecks);
    const [db, ...others] = await Promise.all([database(), ...checks.map(([, f]) => withTimeout(f(), 1_500).catch(() => 'unavailable' as const))]);
    const deps = Object.fromEntries(checks.map(([name], i) => [name, others[i]!]));
    const queue = { running: d.limiter.inFlight, waiting: d.limiter.waiting, max_running: d.limiter.limits.maxConcurrent, max_waiting: d.limiter.limits.maxQueued };
    const ok = db === 'ok' && Object.values(deps).every((v) => v === 'ok') && !d.limiter.saturated;
    // Unreachable database: 503 (take it out of rotation); busy or partly degraded: 200, says so.
    return reply.code(db === 'unavailable' ? 503 : 200).send({
      status: ok ? 'ok' : 'degraded',
      database: db,
      ...deps,
      queue,
      cache: d.cache.kind,
      build_id: d.service.buildId,
      rollups: Object.keys(d.service.builtRollups),
    });
  });

  app.get('/api/v1/openapi.json', async () => openApiDocument());

  app.get('/api/v1/meta', async (req) => {
    const caller = callerOf(req);
    return visibleMeta(d.layer, caller.role);
  });

  app.post('/api/v1/query', async (req, reply) => {
    const caller = callerOf(req);
    const out = await d.service.run(toMetricQuery(req.body ?? {}), caller, req.id, requestSignal(reply));
    return reply.type('application/json').send(out.body);
  });

  app.get('/api/v1/metrics/:name', async (req, reply) => {
    const caller = callerOf(req);
    const { name } = req.params as { name: string };
    const query = metricEndpointQuery(d.layer, name, req.query as Record<string, string | string[] | undefined>);
    const out = await d.service.run(query, caller, req.id, requestSignal(reply));
    return reply.type('application/json').send(out.body);
  });

  app.post('/api/v1/sql', async (req) => {
    const caller = callerOf(req);
    // With no access policy nobody is restricted; otherwise only roles with show_sql.
    if (d.layer.access && !caller.role?.showSql) throw new ApiError(403, 'forbidden', `role '${caller.roleName}' may not see compiled SQL`);
    const plan = d.service.plan(toMetricQuery(req.body ?? {}), caller);
    return { sql: plan.sql, params: plan.params, columns: plan.columns, plan: plan.plan, rollup: plan.rollup ?? null };
  });
}

/**
 * `GET /api/v1/metrics/revenue?by=customer.region&filter=customer.segment:in:SMB,Enterprise&from=2024-01-01&to=2024-12-31&limit=10&order=-revenue`
 * → the equivalent MetricQuery. `from`/`to` apply to `time_dimension` (default: the metric's
 * model's default time dimension).
 */
export function metricEndpointQuery(layer: SemanticLayer, name: string, qs: Record<string, string | string[] | undefined>): MetricQuery {
  const one = (k: string): string | undefined => {
    const v = qs[k];
    if (Array.isArray(v)) throw new ApiError(400, 'invalid_query', `query parameter '${k}' given more than once`);
    return v;
  };
  const known = new Set(['by', 'filter', 'from', 'to', 'limit', 'order', 'time_dimension']);
  for (const k of Object.keys(qs)) if (!known.has(k)) throw new ApiError(400, 'invalid_query', `unknown query parameter '${k}' (use ${[...known].join(', ')})`);
  const list = (s: string | undefined): string[] => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);
  const raw: Record<string, unknown> = { metrics: [name], dimensions: list(one('by')) };
  const filters = qs['filter'] === undefined ? [] : Array.isArray(qs['filter']) ? qs['filter'] : [qs['filter']];
  raw['filters'] = filters.map((f) => {
    const m = /^([^:]+):([a-z_]+)(?::(.*))?$/s.exec(f);
    if (!m || !(FILTER_OPS as readonly string[]).includes(m[2]!)) {
      throw new ApiError(400, 'invalid_query', `filter '${f}' must be member:op[:value[,value]] with op one of ${FILTER_OPS.join(', ')}`);
    }
    return { member: m[1], op: m[2], values: m[3] === undefined ? [] : m[3].split(',') };
  });
  const from = one('from');
  const to = one('to');
  if (from !== undefined || to !== undefined) {
    let dim = one('time_dimension');
    if (!dim) {
      const metric = layer.metrics[name];
      const model = metric && (metric.type === 'simple' || metric.type === 'cumulative') ? metric.measure.model : undefined;
      const t = model ? layer.models[model]?.defaultTime : undefined;
      if (!model || !t) throw new ApiError(400, 'invalid_query', 'from/to need time_dimension=<model.time_dimension> for this metric');
      dim = `${model}.${t}`;
    }
    raw['time_range'] = { dimension: dim, ...(from ? { from } : {}), ...(to ? { to } : {}) };
  }
  const limit = one('limit');
  if (limit !== undefined) {
    if (!/^\d{1,7}$/.test(limit)) throw new ApiError(400, 'invalid_query', `limit '${limit}' must be a positive integer`);
    raw['limit'] = Number(limit);
  }
  const order = one('order');
  if (order) raw['order'] = list(order).map((x) => (x.startsWith('-') ? { member: x.slice(1), desc: true } : { member: x, desc: false }));
  return toMetricQuery(raw);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
