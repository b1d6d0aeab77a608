import { SignJWT, generateKeyPair, exportJWK } from 'jose';
import type { Response as InjectResponse } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { parseMetricQuery, planQuery, shapeRows, type SemanticLayer } from '../../../src/semantic/index.js';
import { createServer, type StrataServer } from '../../../src/server/index.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';
import { SECRET, setUpWarehouse, startServer, tearDownWarehouse, token, uniqueSchema } from './fixture.js';

type Body = { columns: { name: string; type: string }[]; rows: Record<string, unknown>[]; meta: { cache: string; rollup: string | null } };

for (const db of testDatabases()) {
  describe(`metric API on ${db.name}`, () => {
    const s = uniqueSchema('api');
    let adapter: WarehouseAdapter;
    let layer: SemanticLayer;
    let server: StrataServer;
    let finance: string;
    let emea: string;

    beforeAll(async () => {
      adapter = await adapterFor(db);
      layer = await setUpWarehouse(adapter, s);
      server = await startServer(layer, adapter, s);
      finance = await token('finance');
      emea = await token('sales', { region: 'EMEA' });
    });
    afterAll(async () => {
      await server?.close();
      await tearDownWarehouse(adapter, s);
      await adapter.close();
    });

    const post = (url: string, body: unknown, auth?: string): Promise<InjectResponse> =>
      server.app.inject({ method: 'POST', url, payload: body as object, headers: auth ? { authorization: `Bearer ${auth}` } : {} });
    const get = (url: string, auth?: string): Promise<InjectResponse> =>
      server.app.inject({ method: 'GET', url, headers: auth ? { authorization: `Bearer ${auth}` } : {} });
    /** The planner's answer without rollups, run directly: the ground truth. */
    const truth = async (query: unknown, security?: Parameters<typeof planQuery>[2]): Promise<Record<string, unknown>[]> => {
      const plan = planQuery(layer, parseMetricQuery(query), security);
      return round(shapeRows(plan.columns, (await adapter.query<Record<string, unknown>>(plan.sql, plan.params)).rows));
    };

    it('health and openapi need no token', async () => {
      const h = await get('/health');
      expect(h.statusCode).toBe(200);
      expect(h.json()).toMatchObject({ status: 'ok', database: 'ok', cache: 'memory' });
      expect(h.json().rollups.sort()).toEqual(['sales_region_day', 'sales_region_month_distinct']);
      const o = await get('/api/v1/openapi.json');
      expect(o.statusCode).toBe(200);
      expect(Object.keys(o.json().paths)).toContain('/cubejs-api/v1/load');
    });

    it('refuses missing, malformed, expired, alg none, wrong key and wrong algorithm tokens with 401', async () => {
      const q = { metrics: ['revenue'] };
      expect((await post('/api/v1/query', q)).statusCode).toBe(401);
      expect((await post('/api/v1/query', q, 'not-a-jwt')).statusCode).toBe(401);
      expect((await post('/api/v1/query', q, await token('finance', {}, '-1h'))).json().error.message).toBe('token expired');
      const [h, p] = finance.split('.');
      const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
      expect((await post('/api/v1/query', q, none)).statusCode).toBe(401);
      const wrongKey = await new SignJWT({ role: 'finance' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode('x'.repeat(40)));
      expect((await post('/api/v1/query', q, wrongKey)).statusCode).toBe(401);
      const { privateKey } = await generateKeyPair('RS256');
      const rs = await new SignJWT({ role: 'finance' }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('1h').sign(privateKey);
      expect((await post('/api/v1/query', q, rs)).statusCode).toBe(401);
      const hs512 = await new SignJWT({ role: 'finance' }).setProtectedHeader({ alg: 'HS512' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
      expect((await post('/api/v1/query', q, hs512)).statusCode).toBe(401);
      // A tampered payload with the original signature.
      const forged = `${h}.${Buffer.from(JSON.stringify({ role: 'finance', region: 'X' })).toString('base64url')}.${finance.split('.')[2]}`;
      expect((await post('/api/v1/query', q, forged)).statusCode).toBe(401);
    });

    it('unknown role gets nothing (default_role none → 403)', async () => {
      const r = await post('/api/v1/query', { metrics: ['revenue'] }, await token('intern'));
      expect(r.statusCode).toBe(403);
      expect(r.json().error.code).toBe('forbidden');
    });

    it('verifies RS256 tokens from a JWKS file', async () => {
      const { publicKey, privateKey } = await generateKeyPair('ES256');
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
      const { mkdtemp, writeFile } = await import('node:fs/promises');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const file = join(await mkdtemp(join(tmpdir(), 'jwks-')), 'jwks.json');
      await writeFile(file, JSON.stringify({ keys: [jwk] }));
      const jwksServer = await createServer({ layer, adapter, auth: { jwks: file }, metaSchema: `${s}_meta`, stateRefreshMs: 0 });
      try {
        const good = await new SignJWT({ role: 'finance' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setExpirationTime('1h').sign(privateKey);
        const ok = await jwksServer.app.inject({ method: 'GET', url: '/api/v1/meta', headers: { authorization: `Bearer ${good}` } });
        expect(ok.statusCode).toBe(200);
        const hs = await jwksServer.app.inject({ method: 'GET', url: '/api/v1/meta', headers: { authorization: `Bearer ${finance}` } });
        expect(hs.statusCode).toBe(401);
      } finally {
        await jwksServer.close();
      }
    });

    it('meta lists only what the role may see', async () => {
      const fin = (await get('/api/v1/meta', finance)).json();
      const sales = (await get('/api/v1/meta', emea)).json();
      const dims = (m: { models: { name: string; dimensions: { member: string }[] }[] }): string[] => m.models.flatMap((x) => x.dimensions.map((d) => d.member));
      expect(dims(fin)).toContain('customer.email');
      expect(dims(sales)).not.toContain('customer.email');
      const blind = (await get('/api/v1/meta', await token('blind'))).json();
      const metricNames = blind.metrics.map((m: { name: string }) => m.name);
      expect(metricNames).not.toContain('revenue');
      expect(metricNames).not.toContain('avg_order_value');
      expect(metricNames).not.toContain('revenue_per_customer');
      expect(metricNames).toContain('units');
    });

    it('answers queries as the planner does, with the row filter for sales', async () => {
      const q = { metrics: ['revenue', 'orders'], dimensions: ['customer.region', 'product.category'] };
      const fin = (await post('/api/v1/query', q, finance)).json() as Body;
      expect(round(fin.rows)).toEqual(await truth(q));
      const sales = await post('/api/v1/query', q, emea);
      expect(sales.statusCode).toBe(200);
      const rows = (sales.json() as Body).rows;
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r['customer.region']))).toEqual(new Set(['EMEA']));
      // Totals are restricted too, even without grouping by region.
      const total = (await post('/api/v1/query', { metrics: ['revenue'] }, emea)).json() as Body;
      const emeaTotal = (await truth({ metrics: ['revenue'], filters: [{ member: 'customer.region', op: 'equals', values: ['EMEA'] }] }))[0]!['revenue'];
      expect(round(total.rows)[0]!['revenue']).toBe(emeaTotal);
    });

    it('hidden members are 403 in dimensions, filters and metrics', async () => {
      expect((await post('/api/v1/query', { metrics: ['revenue'], dimensions: ['customer.email'] }, emea)).statusCode).toBe(403);
      expect((await post('/api/v1/query', { metrics: ['revenue'], filters: [{ member: 'customer.email', op: 'contains', values: ['@'] }] }, emea)).statusCode).toBe(403);
      const blind = await token('blind');
      expect((await post('/api/v1/query', { metrics: ['revenue_per_customer'] }, blind)).statusCode).toBe(403);
    });

    it('a sales token without its region claim is refused, not unfiltered', async () => {
      const r = await post('/api/v1/query', { metrics: ['revenue'] }, await token('sales'));
      expect(r.statusCode).toBe(403);
    });

    it('validation errors are 400 with a clear message', async () => {
      const r = await post('/api/v1/query', { metrics: ['revenu'] }, finance);
      expect(r.statusCode).toBe(400);
      expect(r.json().error.message).toContain("unknown metric 'revenu'");
      expect(r.json().error.diagnostics[0].hint).toContain('revenue');
      const bad = await post('/api/v1/query', { metrics: 'revenue' }, finance);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.message).toContain('metrics');
      const notJson = await server.app.inject({ method: 'POST', url: '/api/v1/query', payload: '{nope', headers: { authorization: `Bearer ${finance}`, 'content-type': 'application/json' } });
      expect(notJson.statusCode).toBe(400);
      expect((await get('/api/v1/nothing', finance)).statusCode).toBe(404);
    });

    it('caches per role and attributes; a new build id invalidates', async () => {
      const q = { metrics: ['units'], dimensions: ['sales.channel'] };
      const a = (await post('/api/v1/query', q, finance)).json() as Body;
      const b = (await post('/api/v1/query', q, finance)).json() as Body;
      expect([a.meta.cache, b.meta.cache]).toEqual(['miss', 'hit']);
      expect(b.rows).toEqual(a.rows);
      // Same query, other region: its own entry, its own rows.
      const apac = (await post('/api/v1/query', q, await token('sales', { region: 'APAC' }))).json() as Body;
      expect(apac.meta.cache).toBe('miss');
      expect(apac.rows).not.toEqual(a.rows);
      const { recordBuild } = await import('../../../src/server/index.js');
      await recordBuild(adapter, 'run', 1, `${s}_meta`, s);
      await server.service.refreshState();
      expect(((await post('/api/v1/query', q, finance)).json() as Body).meta.cache).toBe('miss');
    });

    it('metrics endpoint', async () => {
      const r = await get('/api/v1/metrics/revenue?by=customer.region&filter=product.category:in:Books,Toys&from=2024-01-01&to=2024-06-30&order=-revenue&limit=2', finance);
      expect(r.statusCode).toBe(200);
      const expected = await truth({
        metrics: ['revenue'],
        dimensions: ['customer.region'],
        filters: [{ member: 'product.category', op: 'in', values: ['Books', 'Toys'] }],
        time_range: { dimension: 'sales.sold_at', from: '2024-01-01', to: '2024-06-30' },
        order: [{ member: 'revenue', desc: true }],
        limit: 2,
      });
      expect(round((r.json() as Body).rows)).toEqual(expected);
      expect((await get('/api/v1/metrics/revenue?bogus=1', finance)).statusCode).toBe(400);
      expect((await get('/api/v1/metrics/revenue?filter=x', finance)).statusCode).toBe(400);
    });

    it('sql endpoint only for roles with show_sql', async () => {
      expect((await post('/api/v1/sql', { metrics: ['revenue'] }, emea)).statusCode).toBe(403);
      const r = await post('/api/v1/sql', { metrics: ['revenue'], dimensions: ['customer.region'] }, await token('analyst'));
      expect(r.statusCode).toBe(200);
      expect(r.json().sql).toContain('select');
      expect(r.json().rollup).toBe('sales_region_month_distinct'); // the smallest rollup that answers
    });

    it('rollups answer exactly what the fact table answers', async () => {
      const queries: { q: Record<string, unknown>; rollup: string | null }[] = [
        { q: { metrics: ['revenue', 'units'], dimensions: ['customer.region'] }, rollup: 'sales_region_day' },
        { q: { metrics: ['revenue'], dimensions: ['sales.sold_at.quarter', 'product.category'], time_range: { dimension: 'sales.sold_at', from: '2024-01-01', to: '2024-12-31' } }, rollup: 'sales_region_day' },
        { q: { metrics: ['avg_order_value'], dimensions: ['customer.region'] }, rollup: null }, // orders is count_distinct, not at the rollup grain
        { q: { metrics: ['unique_customers', 'revenue'], dimensions: ['customer.region', 'sales.sold_at.month'] }, rollup: 'sales_region_month_distinct' },
        { q: { metrics: ['unique_customers'], dimensions: ['customer.region', 'sales.sold_at.quarter'] }, rollup: null }, // would re-aggregate count_distinct
        { q: { metrics: ['web_revenue', 'revenue'], dimensions: ['product.category'] }, rollup: 'sales_region_day' },
        { q: { metrics: ['revenue'], segments: ['sales.online'], dimensions: ['sales.sold_at.year'] }, rollup: 'sales_region_day' },
        { q: { metrics: ['revenue'], dimensions: ['customer.country'] }, rollup: null },
        { q: { metrics: ['revenue'], dimensions: ['sales.sold_at.week'] }, rollup: 'sales_region_day' },
        { q: { metrics: ['revenue'], time_range: { dimension: 'sales.sold_at', from: '2024-01-15', to: '2024-03-31' } }, rollup: 'sales_region_day' },
        { q: { metrics: ['revenue'], dimensions: ['sales.sold_at.month'], time_range: { dimension: 'sales.sold_at', from: '2024-01-15', to: '2024-03-30' } }, rollup: 'sales_region_day' },
        { q: { metrics: ['enterprise_revenue'] }, rollup: null }, // filter on customer.segment: not stored
        { q: { metrics: ['revenue', 'units'], filters: [{ member: 'customer.region', op: 'in', values: ['EMEA', 'APAC'] }, { member: 'sales.sold_at.month', op: 'gte', values: ['2024-03-01'] }], dimensions: ['sales.channel'], order: [{ member: 'revenue', desc: true }], limit: 2 }, rollup: 'sales_region_day' },
        { q: { metrics: ['revenue_ytd'], dimensions: ['sales.sold_at.month'] }, rollup: null },
        { q: { metrics: ['revenue'], dimensions: ['sales.sold_at.day'], time_range: { dimension: 'sales.sold_at', from: '2024-02-01', to: '2024-02-29' } }, rollup: 'sales_region_day' },
      ];
      for (const { q, rollup } of queries) {
        for (const [who, sec] of [[finance, undefined], [emea, { role: layer.access!.roles['sales']!, user: { region: 'EMEA' } }]] as const) {
          const r = await post('/api/v1/query', q, who);
          expect(r.statusCode, JSON.stringify(q)).toBe(200);
          const body = r.json() as Body;
          expect(body.meta.rollup, JSON.stringify(q)).toBe(rollup);
          expect(round(body.rows), JSON.stringify(q)).toEqual(await truth(q, sec));
        }
      }
    });

    it('SQL injection strings in every field and claim are data, not SQL', async () => {
      const evil = ["'; drop table fact_sales; --", "EMEA' or '1'='1", '" or 1=1 --', '$1', '\\x00', 'EMEA\'); select pg_sleep(5); --'];
      for (const e of evil) {
        const t = await token('sales', { region: e });
        const r = await post('/api/v1/query', { metrics: ['revenue'], dimensions: ['customer.region'] }, t);
        expect(r.statusCode).toBe(200);
        expect((r.json() as Body).rows).toEqual([]);
        for (const body of [
          { metrics: [e] },
          { metrics: ['revenue'], dimensions: [e] },
          { metrics: ['revenue'], filters: [{ member: e, op: 'equals', values: ['x'] }] },
          { metrics: ['revenue'], segments: [e] },
          { metrics: ['revenue'], order: [{ member: e }] },
          { metrics: ['revenue'], time_range: { dimension: e } },
          { metrics: ['revenue'], drill: { hierarchy: e } },
        ]) {
          const x = await post('/api/v1/query', body, finance);
          expect(x.statusCode, JSON.stringify(body)).toBe(400);
        }
        const f = await post('/api/v1/query', { metrics: ['revenue'], filters: [{ member: 'customer.region', op: 'in', values: [e, 'EMEA'] }] }, finance);
        expect(f.statusCode).toBe(200);
        const c = await post('/api/v1/query', { metrics: ['revenue'], filters: [{ member: 'customer.city', op: 'contains', values: [e] }] }, finance);
        expect(c.statusCode).toBe(200);
      }
      expect((await adapter.query(`select count(*) as n from "${s}".fact_sales`)).rows[0]).toBeDefined();
    });

    it('bad values are 400 before the database; a database error is a generic 500 with a request id', async () => {
      const d = await post('/api/v1/query', { metrics: ['revenue'], time_range: { dimension: 'sales.sold_at', from: 'not a date' } }, finance);
      expect(d.statusCode).toBe(400);
      expect(d.json().error.message).toContain('not a date');
      const n = await post('/api/v1/query', { metrics: ['item_amount'], filters: [{ member: 'items.line', op: 'gt', values: [1.5] }] }, finance);
      expect(n.statusCode).toBe(200);
      const { loadSemanticLayer } = await import('../../../src/semantic/index.js');
      const ghost = loadSemanticLayer(
        [{ file: 'g.yml', text: `semantic_models:\n  - { name: ghost, table: ${s}.no_such_table, measures: [{ name: n, agg: count }] }\nmetrics:\n  - { name: n, type: simple, measure: ghost.n }\n` }],
        { resolveRef: () => undefined, refNames: [] },
      ).layer!;
      const g = await createServer({ layer: ghost, adapter, auth: { secret: SECRET }, metaSchema: `${s}_meta`, stateRefreshMs: 0 });
      try {
        const r = await g.app.inject({ method: 'POST', url: '/api/v1/query', payload: { metrics: ['n'] }, headers: { authorization: `Bearer ${finance}` } });
        expect(r.statusCode).toBe(500);
        expect(r.json().error.message).toMatch(/^internal error \(request [0-9a-f-]{36}\)$/);
        expect(r.body).not.toMatch(/no_such_table|relation|does not exist/i);
        expect(r.headers['x-request-id']).toBe(r.json().error.request_id);
      } finally {
        await g.close();
      }
    });

    it('Cube-compatible load and meta', async () => {
      const cubeQ = {
        measures: ['sales.revenue', 'sales.units'],
        dimensions: ['customer.region'],
        timeDimensions: [{ dimension: 'sales.sold_at', granularity: 'quarter', dateRange: ['2024-01-01', '2024-12-31'] }],
        filters: [{ member: 'product.category', operator: 'equals', values: ['Books', 'Toys'] }, { member: 'sales.revenue', operator: 'gt', values: ['0'] }],
        order: { 'sales.revenue': 'desc' },
        limit: 5,
      };
      const post1 = await server.app.inject({ method: 'POST', url: '/cubejs-api/v1/load', payload: { query: cubeQ }, headers: { authorization: finance } });
      expect(post1.statusCode).toBe(200);
      const get1 = await server.app.inject({ method: 'GET', url: `/cubejs-api/v1/load?query=${encodeURIComponent(JSON.stringify(cubeQ))}`, headers: { authorization: `Bearer ${finance}` } });
      expect(get1.json().data).toEqual(post1.json().data);
      const expected = await truth({
        metrics: ['revenue', 'units'],
        dimensions: ['customer.region', 'sales.sold_at.quarter'],
        filters: [{ member: 'product.category', op: 'in', values: ['Books', 'Toys'] }, { member: 'revenue', op: 'gt', values: ['0'] }],
        time_range: { dimension: 'sales.sold_at', from: '2024-01-01', to: '2024-12-31' },
        order: [{ member: 'revenue', desc: true }],
        limit: 5,
      });
      const data = post1.json().data as Record<string, unknown>[];
      expect(data.map((d) => ({ r: d['customer.region'], t: d['sales.sold_at.quarter'], v: Math.round(Number(d['sales.revenue']) * 1e6) / 1e6 }))).toEqual(
        expected.map((e) => ({ r: e['customer.region'], t: `${String(e['sales.sold_at.quarter'])}T00:00:00.000`, v: e['revenue'] })),
      );
      expect(data[0]!['sales.sold_at']).toBe(data[0]!['sales.sold_at.quarter']);
      expect(post1.json().annotation.measures['sales.revenue'].type).toBe('number');
      const meta = await server.app.inject({ method: 'GET', url: '/cubejs-api/v1/meta', headers: { authorization: emea } });
      const sales = meta.json().cubes.find((c: { name: string }) => c.name === 'sales');
      expect(sales.measures.map((m: { name: string }) => m.name)).toContain('sales.revenue');
      expect(meta.json().cubes.find((c: { name: string }) => c.name === 'customer').dimensions.map((d: { name: string }) => d.name)).not.toContain('customer.email');
      const bad = await server.app.inject({ method: 'POST', url: '/cubejs-api/v1/load', payload: { query: { measures: ['sales.nope'] } }, headers: { authorization: finance } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toContain("unknown measure 'sales.nope'");
      const or = await server.app.inject({ method: 'POST', url: '/cubejs-api/v1/load', payload: { query: { measures: ['sales.revenue'], filters: [{ or: [] }] } }, headers: { authorization: finance } });
      expect(or.statusCode).toBe(400);
      const seg = await server.app.inject({ method: 'POST', url: '/cubejs-api/v1/load', payload: { query: { measures: ['sales.revenue'], segments: ['sales.online'], dimensions: ['customer.region'] } }, headers: { authorization: emea } });
      expect(seg.statusCode).toBe(200);
      expect(seg.json().data.map((d: Record<string, unknown>) => d['customer.region'])).toEqual(['EMEA']);
    });

    it('--dev serves anonymous requests as the named role only', async () => {
      const dev = await createServer({ layer, adapter, auth: { devRole: 'sales' }, metaSchema: `${s}_meta`, stateRefreshMs: 0 });
      try {
        const r = await dev.app.inject({ method: 'POST', url: '/api/v1/query', payload: { metrics: ['revenue'] } });
        expect(r.statusCode).toBe(403); // sales needs a region claim; anonymous has none
        const m = await dev.app.inject({ method: 'GET', url: '/api/v1/meta' });
        expect(m.statusCode).toBe(200);
      } finally {
        await dev.close();
      }
    });
  });
}

/** Numbers rounded, so float sums from different plans compare by value. */
function round(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v])));
}
