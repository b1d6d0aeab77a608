import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import { isCompileError } from '../diagnostics/index.js';
import {
  buildTrainingSet,
  decodeValue,
  FeatureSourceError,
  getOnlineFeatures,
  isOnlineStoreUnavailable,
  selectFeatures,
  type FeatureRegistry,
  type OnlineStore,
} from '../features/index.js';
import type { Caller } from './query-service.js';
import { csvField } from '../features/csv-sink.js';
import { ApiError } from './api-error.js';
import { classifyFeatureDatabaseError } from './database-failure.js';
import type { ConcurrencyLimiter } from './limiter.js';
import { callerOf } from './request-caller.js';

export interface FeatureRouteDeps {
  readonly registry: FeatureRegistry;
  readonly store: OnlineStore;
  readonly adapter: WarehouseAdapter;
  readonly limiter: ConcurrencyLimiter;
  /** Largest inline entity set for `POST /api/v1/features/training-set` (default 10,000). */
  readonly maxTrainingRows?: number;
}

const scalar = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]);
const features = z.union([z.string().min(1).max(10_000), z.array(z.string().min(1).max(1_000)).min(1).max(500)]);
const onlineBody = z
  .object({
    features,
    entities: z.array(z.record(z.string().max(200), scalar)).min(1).max(1_000),
    training_set: z.string().max(200).optional(),
    short_names: z.boolean().optional(),
  })
  .strict();
/** Entity columns of a training set become PostgreSQL identifiers: 1–63 characters, no control characters. */
const entityColumn = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'column names cannot contain control characters');
const trainingBody = z
  .object({
    features,
    entities: z.array(z.record(entityColumn, scalar)).min(1),
    timestamp_column: z.string().max(200).optional(),
    short_names: z.boolean().optional(),
  })
  .strict();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new ApiError(400, 'invalid_request', `invalid request${issue.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue.message}`);
}

/** A database or Redis error's own text, for the server log only. */
function logged(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { error: String(e) };
  const cause = (e as { cause?: unknown }).cause;
  return { message: e.message, code: (e as { code?: unknown }).code, ...(cause instanceof Error ? { cause: cause.message } : {}) };
}

/**
 * Every failure of a feature request as an ApiError in our own words; database and Redis text
 * goes to the log with the request id, never to the caller.
 * - the caller's mistakes (unknown view or feature, missing join key, bad timestamp column): 400 with diagnostics;
 * - a feature view whose table is missing or renamed: 503 `feature_table_missing` (does not match its definition: 503 `feature_table_invalid`);
 * - the online store not answering: 503 `online_store_unavailable` (Retry-After);
 * - database errors: `classifyFeatureDatabaseError` (timeouts and lost connections 503, bad values 400, else 500).
 */
function failure(e: unknown, log: FastifyBaseLogger): never {
  if (e instanceof ApiError) throw e;
  if (e instanceof FeatureSourceError) {
    log.warn({ problems: e.problems.map((p) => ({ view: p.view, reason: p.reason, ...(p.cause ? { err: logged(p.cause) } : {}) })) }, 'feature view source cannot be read');
    const views = [...new Set(e.problems.map((p) => p.view))];
    const named = `feature view${views.length > 1 ? 's' : ''} ${views.map((v) => `'${v}'`).join(', ')}`;
    if (e.problems.some((p) => p.reason === 'missing')) {
      throw new ApiError(503, 'feature_table_missing', `${named} cannot be served: its table is missing or was renamed; run \`strata build\` (then \`strata features materialize\`)`);
    }
    throw new ApiError(503, 'feature_table_invalid', `${named} cannot be served: its table does not match the feature definitions; rebuild it with \`strata build\``);
  }
  if (isOnlineStoreUnavailable(e)) {
    log.warn({ err: logged(e) }, 'online store unavailable');
    throw new ApiError(503, 'online_store_unavailable', `the ${e.store} online store is unavailable; retry shortly`);
  }
  if (isCompileError(e)) {
    throw new ApiError(400, 'invalid_request', e.diagnostics.map((d) => d.message).join('; '), e.diagnostics.map((d) => ({ code: d.code, message: d.message, ...(d.hint ? { hint: d.hint } : {}) })));
  }
  const f = classifyFeatureDatabaseError(e);
  if (f.status >= 500) log.error({ err: logged(e) }, 'feature request failed');
  else log.warn({ err: logged(e) }, 'feature request refused');
  throw new ApiError(f.status, f.code, f.message);
}

/** Views the caller's role may read (null role: no access policy, everything). */
function allowedViews(caller: Caller): 'all' | ReadonlySet<string> {
  const f = caller.role?.features ?? 'all';
  if (f === 'all') return 'all';
  return new Set(f === 'none' ? [] : f);
}

/** Access to feature views is checked here, before any store or database is touched. */
function checkAccess(caller: Caller, registry: FeatureRegistry, features: string | readonly string[], log: FastifyBaseLogger): void {
  const allowed = allowedViews(caller);
  if (allowed === 'all') return;
  let views: string[];
  try {
    views = selectFeatures(registry, features).views.map((v) => v.view.name);
  } catch (e) {
    return failure(e, log);
  }
  const denied = views.filter((v) => !allowed.has(v));
  if (denied.length) {
    throw new ApiError(403, 'forbidden', `role '${caller.roleName}' may not read feature view${denied.length > 1 ? 's' : ''} ${denied.map((v) => `'${v}'`).join(', ')}`);
  }
}

/**
 * Feature serving over HTTP, behind the same authentication as the metric API:
 * `GET /api/v1/features` (registry), `POST /api/v1/features/online` (latest values with their
 * timestamps; TTL enforced), `POST /api/v1/features/training-set` (point-in-time rows for a small
 * inline entity set). Entity values reach SQL only through COPY into a temporary table; names
 * (features, views, training sets) are looked up in prototype-free registries, so
 * `constructor` or `__proto__` are unknown names (400 with a did-you-mean hint).
 *
 * @example
 * POST /api/v1/features/online {"features": "churn_v1", "entities": [{"customer_id": 123}]}
 * // {"features": ["customer_features__purchase_count_30d", …], "results": [{"entity": {…}, "values": {…}}]}
 */
export function registerFeatureRoutes(app: FastifyInstance, d: FeatureRouteDeps): void {
  app.get('/api/v1/features', async (req) => {
    const allowed = allowedViews(callerOf(req));
    const visible = (name: string): boolean => allowed === 'all' || allowed.has(name);
    return {
      entities: Object.values(d.registry.entities).map((e) => ({ name: e.name, join_keys: e.joinKeys })),
      feature_views: Object.values(d.registry.views).filter((v) => visible(v.name)).map((v) => ({
        name: v.name,
        entity: v.entity,
        ttl_seconds: v.ttlSeconds,
        online: v.online,
        features: v.features.map((f) => ({ name: f.name, type: f.type, description: f.description })),
      })),
      feature_services: Object.values(d.registry.services).filter((s) => s.features.every((f) => visible(f.view))).map((s) => ({ name: s.name, features: s.features.map((f) => `${f.view}:${f.feature}`) })),
    };
  });

  app.post('/api/v1/features/online', async (req) => {
    const caller = callerOf(req);
    const body = parse(onlineBody, req.body);
    checkAccess(caller, d.registry, body.features, req.log);
    // Online reads count against the same concurrency limits as metric queries.
    const release = await d.limiter.acquire(caller.roleName);
    try {
      return await getOnlineFeatures(d.store, d.registry, {
        features: body.features,
        entities: body.entities,
        ...(body.training_set ? { trainingSet: body.training_set } : {}),
        ...(body.short_names ? { shortNames: true } : {}),
      });
    } catch (e) {
      return failure(e, req.log);
    } finally {
      release();
    }
  });

  app.post('/api/v1/features/training-set', async (req) => {
    const caller = callerOf(req);
    const body = parse(trainingBody, req.body);
    checkAccess(caller, d.registry, body.features, req.log);
    const max = d.maxTrainingRows ?? 10_000;
    if (body.entities.length > max) {
      throw new ApiError(400, 'invalid_request', `at most ${max} entity rows per request; use \`strata features training-set\` for large sets`);
    }
    const columns = Object.keys(body.entities[0]!);
    if (body.entities.some((r) => Object.keys(r).length !== columns.length || columns.some((c) => !(c in r)))) {
      throw new ApiError(400, 'invalid_request', 'every entity row needs the same columns');
    }
    const release = await d.limiter.acquire(caller.roleName);
    const dir = await mkdtemp(join(tmpdir(), 'strata-entities-'));
    try {
      // Inline rows become a CSV that the feature store COPYs into a temporary table, so no
      // request value is ever spliced into SQL.
      const path = join(dir, 'entities.csv');
      const text = [columns.map(csvField).join(','), ...body.entities.map((r) => columns.map((c) => csvField(r[c] === null || r[c] === undefined ? null : String(r[c]))).join(','))].join('\n');
      await writeFile(path, `${text}\n`);
      const rows: Record<string, string | null>[] = [];
      let outColumns: readonly string[] = [];
      try {
        const r = await buildTrainingSet(
          d.adapter,
          d.registry,
          {
            entities: { kind: 'csv', path },
            features: body.features,
            ...(body.timestamp_column ? { timestampColumn: body.timestamp_column } : {}),
            ...(body.short_names ? { shortNames: true } : {}),
            profile: false,
            name: `http_${req.id}`,
          },
          { kind: 'rows', onColumns: (c) => void (outColumns = c), onBatch: (b) => void rows.push(...b) },
        );
        outColumns = r.columns;
      } catch (e) {
        return failure(e, req.log);
      }
      // Same JSON types as /online: input columns as the caller sent them (rows keep input
      // order), feature columns decoded by their declared type.
      const types = new Map(selectFeatures(d.registry, body.features, { shortNames: body.short_names ?? false }).features.map((f) => [f.column, f.feature.type]));
      const typed = rows.map((r, i) => {
        const out: Record<string, unknown> = {};
        for (const c of outColumns) {
          const t = types.get(c);
          out[c] = t ? decodeValue(r[c] ?? null, t) : (body.entities[i]?.[c] ?? r[c] ?? null);
        }
        return out;
      });
      return { columns: outColumns, rows: typed };
    } finally {
      release();
      await rm(dir, { recursive: true, force: true });
    }
  });
}
