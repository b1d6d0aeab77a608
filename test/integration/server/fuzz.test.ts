import fc from 'fast-check';
import type { Response as InjectResponse } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { FILTER_OPS, parseMetricQuery, planQuery, shapeRows, type SemanticLayer } from '../../../src/semantic/index.js';
import type { StrataServer } from '../../../src/server/index.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';
import { setUpWarehouse, startServer, tearDownWarehouse, token, uniqueSchema } from './fixture.js';

/** Fuzzing runs once, on the real PostgreSQL when configured (else PGlite). */
const db = testDatabases().at(-1)!;
const RUNS = 10_000;

/** URL-encodes any string (lone surrogates become U+FFFD, as a client would send them). */
const enc = (v: string): string => encodeURIComponent(Buffer.from(v, 'utf8').toString('utf8'));
const EVIL = ["'; drop table fact_sales; --", "EMEA' or '1'='1", '" or 1=1 --', '$1', '{{ user.region }}', '{customer}.region', ') or (1=1', "\\'", 'EMEA\u0000', '%', '_', '1e999', '-0', 'NaN', '2024-02-30', '0000-01-01', '9999-12-31', '\ud800'];
const MEMBERS = ['revenue', 'units', 'orders', 'unique_customers', 'avg_order_value', 'revenue_per_customer', 'revenue_ytd', 'revenue_7d', 'visits', 'visit_to_purchase', 'order_count', 'item_amount', 'enterprise_revenue', 'web_revenue', 'customer.region', 'customer.country', 'customer.email', 'customer.segment', 'product.category', 'sales.channel', 'sales.sold_at', 'sales.sold_at.month', 'sales.sold_at.year', 'sales.sold_at.day', 'items.line', 'orders.status', 'web.page', 'sales.online', 'calendar', 'geography'];
/** PostgreSQL's message shapes: none may reach a caller. */
const DB_TEXT = /syntax error at|does not exist|invalid input syntax|violates|SQLSTATE|operator does not exist|out of range|invalid byte sequence|ERROR:|canceling statement/i;

const member = fc.oneof(fc.constantFrom(...MEMBERS), fc.constantFrom(...EVIL), fc.string({ maxLength: 12 }));
const value = fc.oneof(fc.constantFrom(...EVIL, 'EMEA', 'APAC', 'web', 'Books', '2024-01-01', '2024', 2024, 10, 1.5), fc.string({ maxLength: 8 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 }));
const query = fc.record(
  {
    metrics: fc.oneof(fc.array(member, { maxLength: 3 }), fc.anything({ maxDepth: 1 })),
    dimensions: fc.array(member, { maxLength: 3 }),
    filters: fc.array(fc.record({ member, op: fc.oneof(fc.constantFrom(...FILTER_OPS), fc.string({ maxLength: 6 })), values: fc.array(value, { maxLength: 3 }) }, { requiredKeys: ['member', 'op'] }), { maxLength: 3 }),
    segments: fc.array(member, { maxLength: 2 }),
    time_range: fc.record({ dimension: member, from: value, to: value }, { requiredKeys: ['dimension'] }),
    order: fc.array(fc.record({ member, desc: fc.oneof(fc.boolean(), value) }, { requiredKeys: ['member'] }), { maxLength: 2 }),
    limit: fc.oneof(fc.integer({ min: -5, max: 2_000_000 }), value),
    drill: fc.record({ hierarchy: member, path: fc.dictionary(member, value, { maxKeys: 2 }) }, { requiredKeys: ['hierarchy'] }),
  },
  { requiredKeys: [] },
);
const cubeQuery = fc.record(
  {
    measures: fc.array(fc.oneof(fc.constantFrom('sales.revenue', 'sales.units', 'sales.unique_customers'), member), { maxLength: 3 }),
    dimensions: fc.array(member, { maxLength: 2 }),
    timeDimensions: fc.array(fc.record({ dimension: member, granularity: fc.oneof(fc.constantFrom('day', 'month', 'hour'), fc.string({ maxLength: 5 })), dateRange: fc.oneof(fc.tuple(value, value), fc.constantFrom('last year', 'this month', 'last 7 days', 'tomorrow'), value) }, { requiredKeys: ['dimension'] }), { maxLength: 2 }),
    filters: fc.array(fc.record({ member, operator: fc.oneof(fc.constantFrom('equals', 'notEquals', 'contains', 'gt', 'set', 'notSet', 'inDateRange', 'beforeDate'), fc.string({ maxLength: 6 })), values: fc.array(value, { maxLength: 3 }) }, { requiredKeys: [] }), { maxLength: 2 }),
    order: fc.oneof(fc.dictionary(member, fc.constantFrom('asc', 'desc')), value),
    limit: value,
    segments: fc.array(member, { maxLength: 1 }),
  },
  { requiredKeys: [] },
);
const queryString = fc
  .array(fc.tuple(fc.constantFrom('by', 'filter', 'from', 'to', 'limit', 'order', 'time_dimension', 'x'), fc.oneof(member, value.map(String), fc.tuple(member, fc.constantFrom(...FILTER_OPS), value.map(String)).map(([m, o, v]) => `${m}:${o}:${v}`))), { maxLength: 4 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${enc(v)}`).join('&'));

/** Mostly well-formed queries, so that many requests reach the database. */
const METRICS = MEMBERS.slice(0, 14);
const DIMS = ['customer.region', 'customer.country', 'customer.segment', 'product.category', 'sales.channel', 'sales.sold_at.month', 'sales.sold_at.year'];
const plausible = fc.record(
  {
    metrics: fc.uniqueArray(fc.constantFrom(...METRICS.filter((m) => !m.includes('visit') && m !== 'item_amount' && m !== 'order_count')), { minLength: 1, maxLength: 2 }),
    dimensions: fc.uniqueArray(fc.constantFrom(...DIMS), { maxLength: 2 }),
    filters: fc.array(fc.record({ member: fc.constantFrom('customer.region', 'product.category', 'sales.channel', 'revenue'), op: fc.constantFrom('equals', 'in', 'not_in', 'contains', 'gt'), values: fc.array(value, { minLength: 1, maxLength: 2 }) }), { maxLength: 1 }),
    limit: fc.integer({ min: 1, max: 50 }),
  },
  { requiredKeys: ['metrics', 'dimensions'] },
);

type Request = { kind: 'plausible'; body: unknown } | { kind: 'query'; body: unknown } | { kind: 'raw'; body: string } | { kind: 'metric'; name: string; qs: string } | { kind: 'cube-post'; body: unknown } | { kind: 'cube-get'; q: string };
const request: fc.Arbitrary<Request> = fc.oneof(
  { weight: 5, arbitrary: query.map((body): Request => ({ kind: 'query', body })) },
  { weight: 4, arbitrary: plausible.map((body): Request => ({ kind: 'plausible', body })) },
  { weight: 1, arbitrary: fc.anything().map((body): Request => ({ kind: 'query', body })) },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.json()).map((body): Request => ({ kind: 'raw', body })) },
  { weight: 2, arbitrary: fc.tuple(member, queryString).map(([name, qs]): Request => ({ kind: 'metric', name, qs })) },
  { weight: 2, arbitrary: cubeQuery.map((q): Request => ({ kind: 'cube-post', body: { query: q } })) },
  { weight: 1, arbitrary: fc.oneof(cubeQuery.map((q) => JSON.stringify(q)), fc.string()).map((q): Request => ({ kind: 'cube-get', q })) },
);

describe(`fuzzing the metric API on ${db.name}`, () => {
  const s = uniqueSchema('fuzz');
  let adapter: WarehouseAdapter;
  let server: StrataServer;
  let tokens: { finance: string; sales: Record<string, string> };
  let layer: SemanticLayer;
  /** Claim values a sales token may carry: real regions, an injection attempt, unicode. */
  const REGIONS = ['EMEA', 'APAC', "EMEA' or '1'='1", 'Ωmega'];

  beforeAll(async () => {
    adapter = await adapterFor(db);
    layer = await setUpWarehouse(adapter, s);
    // Generous limits: this test is about correctness, not load shedding.
    server = await startServer(layer, adapter, s, { limits: { maxConcurrent: 64, maxPerRole: 64 }, statementTimeoutMs: 10_000 });
    tokens = { finance: await token('finance'), sales: Object.fromEntries(await Promise.all(REGIONS.map(async (r) => [r, await token('sales', { region: r })] as const))) };
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await tearDownWarehouse(adapter, s);
    await adapter.close();
  });

  const send = (r: Request, auth: string): Promise<InjectResponse> => {
    const headers = { authorization: `Bearer ${auth}` };
    switch (r.kind) {
      case 'query':
      case 'plausible':
        return server.app.inject({ method: 'POST', url: '/api/v1/query', payload: JSON.stringify(r.body) ?? 'null', headers: { ...headers, 'content-type': 'application/json' } });
      case 'raw':
        return server.app.inject({ method: 'POST', url: '/api/v1/query', payload: r.body, headers: { ...headers, 'content-type': 'application/json' } });
      case 'metric':
        return server.app.inject({ method: 'GET', url: `/api/v1/metrics/${enc(r.name)}?${r.qs}`, headers });
      case 'cube-post':
        return server.app.inject({ method: 'POST', url: '/cubejs-api/v1/load', payload: JSON.stringify(r.body), headers: { ...headers, 'content-type': 'application/json' } });
      case 'cube-get':
        return server.app.inject({ method: 'GET', url: `/cubejs-api/v1/load?query=${enc(r.q)}`, headers });
    }
  };

  it(`${RUNS} random and malformed requests: no 5xx, no database text, no row outside the caller's region`, async () => {
    const statuses = new Map<number, number>();
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), fc.constantFrom(...REGIONS), async (r, asSales, region) => {
        const res = await send(r, asSales ? tokens.sales[region]! : tokens.finance);
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode >= 500 || DB_TEXT.test(res.body)) throw new Error(`${res.statusCode} ${res.body.slice(0, 300)} for ${JSON.stringify(r).slice(0, 500)}`);
        if (res.statusCode !== 200 || !asSales) return;
        const body = JSON.parse(res.body) as { rows?: Record<string, unknown>[]; data?: Record<string, unknown>[] };
        for (const row of body.rows ?? body.data ?? []) {
          if ('customer.region' in row && row['customer.region'] !== region && row['customer.region'] !== null) throw new Error(`row outside ${region}: ${JSON.stringify(row)}`);
          if ('customer.email' in row) throw new Error('hidden member returned');
        }
        if (r.kind !== 'plausible') return;
        // The same query planned for an unrestricted caller, plus the region filter by hand.
        const q = parseMetricQuery(r.body);
        const byHand = planQuery(layer, { ...q, filters: [...q.filters, { member: 'customer.region', op: 'equals', values: [region] }] });
        const expected = shapeRows(byHand.columns, (await adapter.query<Record<string, unknown>>(byHand.sql, byHand.params)).rows);
        const norm = (rows: readonly Record<string, unknown>[]): string[] => rows.map((x) => JSON.stringify(Object.entries(x).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v]))).sort();
        if (JSON.stringify(norm(body.rows ?? [])) !== JSON.stringify(norm(expected))) {
          throw new Error(`restricted answer differs from the unrestricted plan + filter for ${JSON.stringify(r.body)}: ${JSON.stringify(body.rows).slice(0, 300)} vs ${JSON.stringify(expected).slice(0, 300)}`);
        }
        compared++;
      }),
      { numRuns: RUNS },
    );
    // The generators must reach the database, or the property says little.
    console.log('fuzz statuses', Object.fromEntries(statuses));
    expect(statuses.get(200) ?? 0).toBeGreaterThan(RUNS / 50);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(RUNS / 4);
    // Enough restricted answers were checked against the hand-filtered plan.
    expect(compared).toBeGreaterThan(RUNS / 20);
  }, 240_000);
});
