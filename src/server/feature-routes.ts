import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import { isCompileError } from '../diagnostics/index.js';
import { buildTrainingSet, decodeValue, getOnlineFeatures, selectFeatures, type FeatureRegistry, type OnlineStore } from '../features/index.js';
import type { Caller } from './query-service.js';
import { csvField } from '../features/csv-sink.js';
import { ApiError } from './api-error.js';
import { classifyDatabaseError } from './database-failure.js';
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
const trainingBody = z
  .object({
    features,
    entities: z.array(z.record(z.string().max(200), scalar)).min(1),
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

/** Feature-store mistakes (unknown view, missing join key) are the caller's: 400 with diagnostics. */
function userError(e: unknown): never {
  if (isCompileError(e)) {
    throw new ApiError(400, 'invalid_request', e.diagnostics.map((d) => d.message).join('; '), e.diagnostics.map((d) => ({ code: d.code, message: d.message, ...(d.hint ? { hint: d.hint } : {}) })));
  }
  const failure = classifyDatabaseError(e);
  // Bad values (class 22) and an unavailable database are answered; anything else is a 500 whose
  // text stays in the server log.
  if (failure.status !== 500) throw new ApiError(failure.status, failure.code, failure.message);
  throw e;
}

/** Views the caller's role may read (null role: no access policy, everything). */
function allowedViews(caller: Caller): 'all' | ReadonlySet<string> {
  const f = caller.role?.features ?? 'all';
  if (f === 'all') return 'all';
  return new Set(f === 'none' ? [] : f);
}

/** Access to feature views is checked here, before any store or database is touched. */
function checkAccess(caller: Caller, registry: FeatureRegistry, features: string | readonly string[]): void {
  const allowed = allowedViews(caller);
  if (allowed === 'all') return;
  let views: string[];
  try {
    views = selectFeatures(registry, features).views.map((v) => v.view.name);
  } catch (e) {
    return userError(e);
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
 * inline entity set). Entity values reach SQL only through COPY into a temporary table.
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
    checkAccess(caller, d.registry, body.features);
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
      return userError(e);
    } finally {
      release();
    }
  });

  app.post('/api/v1/features/training-set', async (req) => {
    const caller = callerOf(req);
    const body = parse(trainingBody, req.body);
    checkAccess(caller, d.registry, body.features);
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
        return userError(e);
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
