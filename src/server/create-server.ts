import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import type { SemanticLayer } from '../semantic/index.js';
import { ApiError } from './api-error.js';
import { registerApiRoutes } from './api-routes.js';
import { createAuthenticator, type Authenticator, type AuthOptions } from './auth.js';
import { registerCubeRoutes } from './cube-routes.js';
import { isApiPath, isDocsRoute, registerDocsRoutes } from './docs-routes.js';
import { registerFeatureRoutes } from './feature-routes.js';
import type { FeatureRegistry, OnlineStore } from '../features/index.js';
import { ConcurrencyLimiter, type LimitOptions } from './limiter.js';
import { META_SCHEMA } from './metadata.js';
import { QueryService } from './query-service.js';
import { callers } from './request-caller.js';
import { LruCache, type ResultCache } from './result-cache.js';

export interface ServerOptions {
  readonly layer: SemanticLayer;
  readonly adapter: WarehouseAdapter;
  readonly auth: AuthOptions;
  /** Default: an in-process LRU of 10,000 results. */
  readonly cache?: ResultCache;
  readonly cacheTtlMs?: number;
  /**
   * Overall = the adapter's pool size at most (an admitted query must not wait for a
   * connection), per role = overall − 1 at most (at least 1), so another role always finds a slot.
   */
  readonly limits?: Partial<LimitOptions>;
  /** The target schema served (its builds and rollups in the meta schema); default ''. */
  readonly targetSchema?: string;
  /** Rows returned when a query sets no limit (default 10,000) and the largest limit allowed (default 100,000). */
  readonly rowLimits?: { readonly default?: number; readonly max?: number };
  /** How health checks of the online store / shared cache are made (from the feature store and cache). */
  readonly healthChecks?: Readonly<Record<string, () => Promise<'ok' | 'unavailable'>>>;
  /** Default 30 s; 0 disables. */
  readonly statementTimeoutMs?: number;
  readonly metaSchema?: string;
  /** Allowed CORS origins: `*`, a list, or none (default). */
  readonly corsOrigins?: readonly string[];
  /** How often the latest build id and built rollups are re-read (default 2 s; 0: never). */
  readonly stateRefreshMs?: number;
  /** fastify logger (pino) settings; false = silent. */
  readonly logger?: boolean | { readonly level: string };
  readonly bodyLimit?: number;
  /** Serve the docs site (`strata docs generate` output) and metric explorer at `/docs/`, no token needed. */
  readonly docsDir?: string;
  /** Also serve the docs site at `/` (`strata docs serve`); every path but the API is then public. */
  readonly docsAtRoot?: boolean;
  /** Feature store: registry and online store for `/api/v1/features/*` (absent: no feature routes). */
  readonly features?: { readonly registry: FeatureRegistry; readonly store: OnlineStore };
}

export interface StrataServer {
  readonly app: FastifyInstance;
  readonly service: QueryService;
  /** The token verifier the routes use (the SQL API verifies its passwords with it too). */
  readonly authenticate: Authenticator;
  /** Stops accepting, waits for in-flight requests, stops polling, closes the cache (not the adapter). */
  close(): Promise<void>;
}

/**
 * Builds the HTTP API: fastify → auth (JWT → SecurityContext) → semantic
 * planner → adapter. Routes: `/health`, `/api/v1/{openapi.json,meta,query,metrics/:name,sql}`,
 * `/cubejs-api/v1/{load,meta}`. Errors are JSON `{error: {code, message, request_id}}`; database
 * text is logged, never returned.
 *
 * @example
 * const server = await createServer({ layer, adapter, auth: { secret: process.env.STRATA_API_SECRET } });
 * await server.app.listen({ port: 4000, host: '127.0.0.1' });
 */
export async function createServer(o: ServerOptions): Promise<StrataServer> {
  const authenticate = await createAuthenticator(o.layer, o.auth);
  const pool = Math.max(1, o.adapter.maxConcurrency);
  const overall = Math.min(o.limits?.maxConcurrent ?? pool, pool);
  const limiter = new ConcurrencyLimiter({
    maxConcurrent: overall,
    // One slot always stays free of any single role.
    maxPerRole: Math.min(o.limits?.maxPerRole ?? overall, Math.max(1, overall - 1)),
    ...(o.limits?.maxQueued !== undefined ? { maxQueued: o.limits.maxQueued } : {}),
    ...(o.limits?.maxQueuedPerRole !== undefined ? { maxQueuedPerRole: o.limits.maxQueuedPerRole } : {}),
    ...(o.limits?.queueTimeoutMs !== undefined ? { queueTimeoutMs: o.limits.queueTimeoutMs } : {}),
  });
  const cache = o.cache ?? new LruCache(10_000);
  const app = Fastify({
    logger: o.logger === undefined ? false : o.logger,
    genReqId: () => randomUUID(),
    bodyLimit: o.bodyLimit ?? 1024 * 1024,
    // Keep-alive clients (BI tools, the bench) reuse sockets; close idle ones after a while.
    keepAliveTimeout: 65_000,
    forceCloseConnections: 'idle',
  });
  const service = new QueryService({
    layer: o.layer,
    adapter: o.adapter,
    cache,
    cacheTtlMs: o.cacheTtlMs ?? 5 * 60_000,
    limiter,
    statementTimeoutMs: o.statementTimeoutMs ?? 30_000,
    metaSchema: o.metaSchema ?? META_SCHEMA,
    targetSchema: o.targetSchema ?? '',
    ...(o.rowLimits?.default !== undefined ? { defaultLimit: o.rowLimits.default } : {}),
    ...(o.rowLimits?.max !== undefined ? { maxLimit: o.rowLimits.max } : {}),
    log: (level, obj, msg) => app.log[level](obj, msg),
  });
  await service.refreshState().catch((e: unknown) => app.log.warn({ err: String(e) }, 'could not read build state'));
  let refreshing = false;
  const timer =
    (o.stateRefreshMs ?? 2_000) > 0
      ? setInterval(() => {
          if (refreshing) return;
          refreshing = true;
          service
            .refreshState()
            // 57P03: the embedded database is lent to a build right now; it reopens afterwards.
            .catch((e: unknown) => ((e as { code?: unknown }).code === '57P03' ? undefined : app.log.warn({ err: String(e) }, 'could not read build state')))
            .finally(() => (refreshing = false));
        }, o.stateRefreshMs ?? 2_000)
      : undefined;
  timer?.unref();

  const cors = o.corsOrigins ?? [];
  if (o.limits?.maxConcurrent !== undefined && o.limits.maxConcurrent > pool) {
    app.log.warn({ requested: o.limits.maxConcurrent, pool }, 'max-concurrent is above the database pool size; using the pool size');
  }
  if (o.limits?.maxPerRole !== undefined && o.limits.maxPerRole > limiter.limits.maxPerRole) {
    app.log.warn({ requested: o.limits.maxPerRole, used: limiter.limits.maxPerRole }, 'max-per-role would let one role take every connection; lowered');
  }
  const dev = o.auth.devRole !== undefined;
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    // Anonymous access is for this machine only: a page on another site that rebinds its DNS
    // name to 127.0.0.1 still sends its own name as Host, and is refused.
    if (dev && !loopbackHost(req.headers.host)) {
      throw new ApiError(403, 'forbidden', `--dev serves only requests addressed to localhost (Host: ${String(req.headers.host ?? '').slice(0, 80) || 'missing'})`);
    }
    const origin = req.headers.origin;
    if (origin && (cors.includes('*') || cors.includes(origin))) {
      reply.header('access-control-allow-origin', cors.includes('*') ? '*' : origin);
      reply.header('vary', 'Origin');
      reply.header('access-control-allow-headers', 'authorization, content-type');
      reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
      reply.header('access-control-expose-headers', 'x-request-id');
    }
    if (req.method === 'OPTIONS') return reply.code(204).send();
    // Public routes are decided by the route that matched (the router decodes %xx), never the raw URL.
    // An unknown /api/… path reaches the site's catch-all route; it stays behind authentication.
    const route = req.routeOptions.url;
    const path = req.url.split('?', 1)[0]!;
    if (route === '/health' || route === '/api/v1/openapi.json' || (o.docsDir !== undefined && isDocsRoute(route, o.docsAtRoot === true) && !isApiPath(path))) return undefined;
    callers.set(req, await authenticate(req.headers.authorization));
    return undefined;
  });
  app.setErrorHandler((err: FastifyError | ApiError | Error, req, reply) => sendError(err, req, reply));
  app.setNotFoundHandler((req, reply) => sendError(new ApiError(404, 'not_found', `no route ${req.method} ${req.url.split('?', 1)[0]}`), req, reply));

  // Dependencies /health reports besides the database: the shared cache (a failing one only
  // means misses) and the online store.
  const healthChecks = {
    ...(cache.kind === 'redis' ? { shared_cache: () => cache.health() } : {}),
    ...(o.features ? { online_store: () => o.features!.store.health() } : {}),
    ...o.healthChecks,
  };
  registerApiRoutes(app, { layer: o.layer, adapter: o.adapter, service, cache, limiter, healthChecks });
  registerCubeRoutes(app, { layer: o.layer, service });
  if (o.docsDir !== undefined) registerDocsRoutes(app, o.docsDir, undefined, o.docsAtRoot === true);
  if (o.features) registerFeatureRoutes(app, { ...o.features, adapter: o.adapter, limiter });

  return {
    app,
    service,
    authenticate,
    close: async () => {
      if (timer) clearInterval(timer);
      await app.close();
      await cache.close();
    },
  };
}

/**
 * The docs site alone, at `/` and `/docs/`, for a project without a semantic layer (`strata docs
 * serve`): the API paths answer 404 `no_semantic_layer`, which the metric explorer shows.
 *
 * @example const s = await createDocsServer('/project/target/docs'); await s.app.listen({ port: 8080 })
 */
export async function createDocsServer(docsDir: string, logger: boolean | { readonly level: string } = false): Promise<Pick<StrataServer, 'app' | 'close'>> {
  const app = Fastify({ logger, genReqId: () => randomUUID(), forceCloseConnections: 'idle' });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (isApiPath(req.url.split('?', 1)[0]!)) {
      throw new ApiError(404, 'no_semantic_layer', 'this project has no semantic layer, so no metric API is served (declare semantic_models: and metrics: in semantic/*.yml)');
    }
  });
  app.setErrorHandler((err: FastifyError | ApiError | Error, req, reply) => sendError(err, req, reply));
  app.setNotFoundHandler((req, reply) => sendError(new ApiError(404, 'not_found', `no route ${req.method} ${req.url.split('?', 1)[0]}`), req, reply));
  registerDocsRoutes(app, docsDir, undefined, true);
  return { app, close: () => app.close() };
}

/** Is a Host header one of this machine's loopback names (any port)? */
function loopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return ['localhost', '127.0.0.1', '[::1]'].includes(name.toLowerCase());
}

/** One error shape for every route; 5xx carry only a generic message and the request id. */
function sendError(err: FastifyError | ApiError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const cube = req.url.startsWith('/cubejs-api/');
  let status: number;
  let code: string;
  let message: string;
  let details: readonly unknown[] = [];
  if (err instanceof ApiError) {
    ({ status, code, message, details } = err);
  } else if ('statusCode' in err && typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    // fastify's own 4xx: malformed JSON, wrong content type, body too large.
    status = err.statusCode;
    code = 'bad_request';
    message = err.statusCode === 413 ? 'request body too large' : err.statusCode === 415 ? 'unsupported content type: send application/json' : 'malformed request body: send JSON';
  } else {
    status = 500;
    code = 'internal';
    message = `internal error (request ${req.id})`;
    req.log.error({ err: { message: err.message, stack: err.stack } }, 'unhandled error');
  }
  if (status >= 500 && !message.includes(String(req.id))) message = `${message} (request ${req.id})`;
  if (status === 429 || status === 503) reply.header('retry-after', '1');
  const body = cube ? { error: message, request_id: req.id } : { error: { code, message, request_id: req.id, ...(details.length ? { diagnostics: details } : {}) } };
  return reply.code(status).type('application/json').send(body);
}
