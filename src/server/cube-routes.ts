import type { FastifyInstance, FastifyRequest } from 'fastify';
import { visibleMeta, type SemanticLayer } from '../semantic/index.js';
import { ApiError } from './api-error.js';
import { callerOf, requestSignal } from './request-caller.js';
import { translateCubeQuery } from './cube-query.js';
import type { QueryService } from './query-service.js';

/**
 * Cube-compatible `/cubejs-api/v1/load`, `/sql` and `/dry-run` (each GET `?query=<json>` and POST
 * `{query}`) and `/cubejs-api/v1/meta`, so Cube's client libraries work unchanged. Always a final
 * answer or an error: never Cube's "Continue wait". `/sql` needs a `show_sql` role (as
 * `/api/v1/sql`); `/dry-run` plans (access rules applied) without running.
 *
 * @example
 * // POST /cubejs-api/v1/load {"query":{"measures":["sales.revenue"],"dimensions":["customer.region"]}}
 * // → {"query":{…},"data":[{"customer.region":"EMEA","sales.revenue":1234.5}],"annotation":{…}}
 */
export function registerCubeRoutes(app: FastifyInstance, d: { readonly layer: SemanticLayer; readonly service: QueryService }): void {
  const load = async (raw: unknown, caller: ReturnType<typeof callerOf>, requestId: string, signal: AbortSignal): Promise<Record<string, unknown>> => {
    const t = translateCubeQuery(d.layer, raw);
    const out = await d.service.run(t.query, caller, requestId, signal);
    // Counted after the page, so a refused query (access, validation) never reaches the count.
    const total = t.total ? await d.service.total(t.query, caller, requestId, signal) : undefined;
    const body = JSON.parse(out.body) as { columns: { name: string; type: string }[]; rows: Record<string, unknown>[] };
    const data = body.rows.map((r) => {
      const row: Record<string, unknown> = {};
      for (const c of body.columns) {
        const member = t.columns.get(c.name) ?? c.name;
        const v = r[c.name];
        // Cube sends time values as local timestamps without zone, measures as numbers or strings.
        const value = c.type === 'time' && typeof v === 'string' ? (v.length === 10 ? `${v}T00:00:00.000` : v.replace(/Z$/, '')) : v;
        row[member] = value;
        const bare = t.timeColumns.get(c.name);
        if (bare) row[bare] = value;
      }
      return row;
    });
    const annotate = (kind: 'number' | string, member: string): Record<string, unknown> => ({ title: member, shortTitle: member.split('.').pop(), type: kind });
    return {
      query: { ...(typeof raw === 'object' && raw ? raw : {}), limit: t.query.limit, timezone: t.timezone },
      data,
      ...(total !== undefined ? { total } : {}),
      lastRefreshTime: new Date().toISOString(),
      annotation: {
        measures: Object.fromEntries(t.query.metrics.map((m) => [t.columns.get(m) ?? m, annotate('number', t.columns.get(m) ?? m)])),
        dimensions: Object.fromEntries(t.query.dimensions.filter((x) => !t.timeColumns.has(x)).map((m) => [m, annotate(body.columns.find((c) => c.name === m)?.type ?? 'string', m)])),
        segments: Object.fromEntries(t.query.segments.map((s) => [s, { title: s }])),
        timeDimensions: Object.fromEntries([...t.timeColumns.keys()].map((m) => [m, annotate('time', m)])),
      },
      dataSource: 'default',
      dbType: 'postgres',
      external: false,
      slowQuery: false,
      meta: { cache: out.cache, rollup: out.rollup },
    };
  };

  app.get('/cubejs-api/v1/load', async (req, reply) => load(cubeQueryOf(req), callerOf(req), req.id, requestSignal(reply)));
  app.post('/cubejs-api/v1/load', async (req, reply) => load(cubeQueryOf(req), callerOf(req), req.id, requestSignal(reply)));

  // The SQL a query runs, for roles that may see it (any role when there is no access policy).
  const sql = (req: FastifyRequest): Record<string, unknown> => {
    const caller = callerOf(req);
    if (d.layer.access && !caller.role?.showSql) throw new ApiError(403, 'forbidden', `role '${caller.roleName}' may not see compiled SQL`);
    const t = translateCubeQuery(d.layer, cubeQueryOf(req));
    const plan = d.service.plan(t.query, caller);
    return {
      sql: {
        status: 'ok',
        sql: [plan.sql, plan.params],
        order: t.order.map(([id, dir]) => ({ id, desc: dir === 'desc' })),
        preAggregations: [],
        rollup: plan.rollup ?? null,
      },
    };
  };
  app.get('/cubejs-api/v1/sql', async (req) => sql(req));
  app.post('/cubejs-api/v1/sql', async (req) => sql(req));

  // Validates and plans (access rules applied, so a refused query is refused here too) without running.
  const dryRun = (req: FastifyRequest): Record<string, unknown> => {
    const t = translateCubeQuery(d.layer, cubeQueryOf(req));
    d.service.plan(t.query, callerOf(req));
    return {
      queryType: 'regularQuery',
      normalizedQueries: [t.normalized],
      pivotQuery: { ...t.normalized, queryType: 'regularQuery' },
      queryOrder: t.order.map(([member, dir]) => ({ [member]: dir })),
    };
  };
  app.get('/cubejs-api/v1/dry-run', async (req) => dryRun(req));
  app.post('/cubejs-api/v1/dry-run', async (req) => dryRun(req));

  app.get('/cubejs-api/v1/meta', async (req) => {
    const meta = visibleMeta(d.layer, callerOf(req).role);
    return {
      cubes: meta.models.map((m) => ({
        name: m.name,
        title: m.name,
        description: m.description,
        type: 'cube',
        public: true,
        measures: meta.metrics
          .filter((x) => x.model === m.name)
          .map((x) => ({ name: `${m.name}.${x.name}`, title: x.name, shortTitle: x.name, description: x.description, type: 'number', aggType: x.type, drillMembers: [], drillMembersGrouped: { measures: [], dimensions: [] }, isVisible: true, public: true })),
        dimensions: m.dimensions.map((x) => ({ name: x.member, title: x.name, shortTitle: x.name, description: x.description, type: x.type, suggestFilterValues: true, isVisible: true, public: true })),
        segments: m.segments.map((s) => ({ name: s, title: s.split('.').pop(), shortTitle: s.split('.').pop(), isVisible: true, public: true })),
      })),
    };
  });
}

/** The Cube query of a request: GET `?query=<json>`, POST `{"query": {…}}`; one query only. */
function cubeQueryOf(req: FastifyRequest): unknown {
  if (req.method === 'GET') {
    const { query } = req.query as { query?: string | string[] };
    if (typeof query !== 'string') throw new ApiError(400, 'invalid_query', 'pass the query as ?query=<JSON>');
    let raw: unknown;
    try {
      raw = JSON.parse(query);
    } catch {
      throw new ApiError(400, 'invalid_query', 'query is not valid JSON');
    }
    if (Array.isArray(raw)) throw new ApiError(400, 'invalid_query', 'multi-query requests are not supported; send one query');
    return raw;
  }
  const body = req.body as { query?: unknown } | null | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body) || body.query === undefined) {
    throw new ApiError(400, 'invalid_query', 'send {"query": {…}}');
  }
  if (Array.isArray(body.query)) throw new ApiError(400, 'invalid_query', 'multi-query requests are not supported; send one query');
  return body.query;
}
