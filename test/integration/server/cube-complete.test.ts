/**
 * The Cube-compatible API beyond load: offset, total, timezone, measures named directly,
 * `/cubejs-api/v1/sql` and `/cubejs-api/v1/dry-run`. Every expected answer is a hand-written SQL
 * query over the same star schema; a row-filtered role's pages, totals and SQL hold only its rows.
 */
import type { Response as InjectResponse } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { loadSemanticLayer, type SemanticLayer } from '../../../src/semantic/index.js';
import { translateCubeQuery } from '../../../src/server/cube-query.js';
import type { StrataServer } from '../../../src/server/index.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';
import { serverSemanticYaml, setUpWarehouse, startServer, tearDownWarehouse, token, uniqueSchema } from './fixture.js';

type Row = Record<string, unknown>;
const TZ = 'America/New_York';
const DB_TEXT = /does not exist|SQLSTATE|relation "|syntax error at|invalid input syntax|ERROR:|column "|pg_catalog/i;

/** Numbers rounded, Dates as Cube writes them (local timestamps without zone). */
function norm(rows: readonly Row[]): Row[] {
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => {
        if (v instanceof Date) return [k, v.toISOString().replace(/Z$/, '')];
        if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return [k, Math.round(Number(v) * 1e6) / 1e6];
        if (typeof v === 'number' || typeof v === 'bigint') return [k, Math.round(Number(v) * 1e6) / 1e6];
        return [k, v];
      }),
    ),
  );
}

for (const db of testDatabases()) {
  describe(`Cube API: offset, total, timezone, sql and dry-run on ${db.name}`, () => {
    const s = uniqueSchema('cubec');
    let adapter: WarehouseAdapter;
    let layer: SemanticLayer;
    let server: StrataServer;
    let finance: string;
    let analyst: string;
    let emea: string;
    let emeaSql: string;

    beforeAll(async () => {
      adapter = await adapterFor(db);
      await setUpWarehouse(adapter, s);
      // The fixture's layer plus a row-filtered role that may see SQL.
      const yaml = serverSemanticYaml(s).replace('access:\n  roles:\n', 'access:\n  roles:\n    regional_sql:\n      row_filter: "{customer}.region = {{ user.region }}"\n      show_sql: true\n');
      const r = loadSemanticLayer([{ file: 'semantic/star.yml', text: yaml }], { resolveRef: () => undefined, refNames: [] });
      if (!r.layer) throw new Error(JSON.stringify(r.diagnostics));
      layer = r.layer;
      server = await startServer(layer, adapter, s);
      finance = await token('finance');
      analyst = await token('analyst');
      emea = await token('sales', { region: 'EMEA' });
      emeaSql = await token('regional_sql', { region: 'EMEA' });
    });
    afterAll(async () => {
      await server?.close();
      await tearDownWarehouse(adapter, s);
      await adapter?.close();
    });

    const post = (url: string, query: unknown, auth?: string): Promise<InjectResponse> =>
      server.app.inject({ method: 'POST', url, payload: { query } as object, headers: auth ? { authorization: `Bearer ${auth}` } : {} });
    const get = (url: string, query: unknown, auth?: string): Promise<InjectResponse> =>
      server.app.inject({ method: 'GET', url: `${url}?query=${encodeURIComponent(JSON.stringify(query))}`, headers: auth ? { authorization: `Bearer ${auth}` } : {} });
    const hand = async (sql: string, params: unknown[] = []): Promise<Row[]> =>
      norm((await adapter.query<Row>(sql.replace(/\bS\./g, `"${s}".`), params)).rows);
    const data = (r: InjectResponse): Row[] => {
      expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
      return norm(r.json().data as Row[]);
    };
    const JOINED = `S.fact_sales f left join S.dim_customer c using (customer_key) left join S.dim_product p using (product_key)`;

    it('offset pages through the order Cube asked for, ties broken by the dimensions', async () => {
      const q = { measures: ['sales.units'], dimensions: ['customer.region', 'product.category'], order: { 'sales.units': 'desc' } };
      const all = await hand(`select c.region as "customer.region", p.category as "product.category", sum(f.quantity) as "sales.units" from ${JOINED} group by 1, 2 order by 3 desc, 1, 2`);
      const pages: Row[] = [];
      for (let offset = 0; offset < all.length; offset += 2) pages.push(...data(await post('/cubejs-api/v1/load', { ...q, limit: 2, offset }, finance)));
      expect(pages).toEqual(all);
      expect(data(await get('/cubejs-api/v1/load', { ...q, limit: 3, offset: 4 }, finance))).toEqual(all.slice(4, 7));
    });

    it('total: true counts the rows without limit and offset, for the restricted role only its rows', async () => {
      const q = { measures: ['sales.revenue'], dimensions: ['customer.region', 'product.category', 'sales.channel'], limit: 2, offset: 1, total: true };
      const fin = await post('/cubejs-api/v1/load', q, finance);
      const finAll = await hand(`select count(*) as n from (select 1 from ${JOINED} group by c.region, p.category, f.channel) x`);
      expect(fin.json().total).toBe(finAll[0]!['n']);
      expect(fin.json().data).toHaveLength(2);
      const sales = await post('/cubejs-api/v1/load', q, emea);
      const emeaAll = await hand(`select count(*) as n from (select 1 from ${JOINED} where c.region = 'EMEA' group by c.region, p.category, f.channel) x`);
      expect(sales.json().total).toBe(emeaAll[0]!['n']);
      expect(sales.json().total).toBeLessThan(fin.json().total as number);
      expect(data(sales)).toEqual(
        await hand(
          `select c.region as "customer.region", p.category as "product.category", f.channel as "sales.channel", sum(f.amount) as "sales.revenue" from ${JOINED} where c.region = 'EMEA' group by 1, 2, 3 order by 1, 2, 3 limit 2 offset 1`,
        ),
      );
      // A filter on a measure (after aggregation) is counted too; without total there is no total.
      const having = await post('/cubejs-api/v1/load', { ...q, filters: [{ member: 'sales.revenue', operator: 'gt', values: ['400'] }] }, finance);
      expect(having.json().total).toBe((await hand(`select count(*) as n from (select 1 from ${JOINED} group by c.region, p.category, f.channel having sum(f.amount) > 400) x`))[0]!['n']);
      expect(Object.hasOwn((await post('/cubejs-api/v1/load', { ...q, total: false }, finance)).json(), 'total')).toBe(false);
      // A refused query is refused before anything is counted.
      const hidden = await post('/cubejs-api/v1/load', { ...q, dimensions: ['customer.email'] }, emea);
      expect(hidden.statusCode).toBe(403);
    });

    it('timezone buckets days and reads date ranges in the zone; rollups bucketed in UTC are not read for it', async () => {
      const q = { measures: ['sales.revenue'], dimensions: ['customer.region'], timeDimensions: [{ dimension: 'sales.sold_at', granularity: 'day', dateRange: ['2024-01-01', '2024-01-31'] }] };
      const zoned = await post('/cubejs-api/v1/load', { ...q, timezone: TZ }, finance);
      const local = `((f.sold_at at time zone 'UTC') at time zone '${TZ}')`;
      const want = await hand(
        `select c.region as "customer.region", date_trunc('day', ${local}) as "sales.sold_at.day", date_trunc('day', ${local}) as "sales.sold_at", sum(f.amount) as "sales.revenue"
         from ${JOINED} where ${local} >= '2024-01-01' and ${local} < '2024-02-01' group by 1, 2 order by 1, 2`,
      );
      expect(data(zoned)).toEqual(want);
      expect(zoned.json().query.timezone).toBe(TZ);
      expect(zoned.json().meta.rollup).toBeNull();
      const utc = await post('/cubejs-api/v1/load', q, finance);
      expect(utc.json().meta.rollup).toBe('sales_region_day');
      expect(utc.json().query.timezone).toBe('UTC');
      expect(data(utc)).not.toEqual(want);
      // Relative ranges are days in the zone: 03:00 UTC on 1 March is still 29 February in New York.
      const t = translateCubeQuery(layer, { measures: ['sales.revenue'], timeDimensions: [{ dimension: 'sales.sold_at', dateRange: 'today' }], timezone: TZ }, new Date('2024-03-01T03:00:00Z'));
      expect(t.query.time_range).toEqual({ dimension: 'sales.sold_at', from: '2024-02-29', to: '2024-02-29' });
      expect(t.query.timezone).toBe(TZ);
    });

    it('measures: a metric of the short name wins, else the measure itself', async () => {
      expect(translateCubeQuery(layer, { measures: ['sales.revenue', 'sales.max_sale', 'sales.count'] }).query.metrics).toEqual(['revenue', 'sales.max_sale', 'sales.count']);
      const r = await post('/cubejs-api/v1/load', { measures: ['sales.max_sale', 'sales.count'], dimensions: ['customer.region'], order: { 'sales.max_sale': 'desc' } }, emea);
      expect(data(r)).toEqual(await hand(`select c.region as "customer.region", max(f.amount) as "sales.max_sale", count(*) as "sales.count" from ${JOINED} where c.region = 'EMEA' group by 1 order by 2 desc, 1`));
      expect(r.json().annotation.measures['sales.max_sale'].type).toBe('number');
      // Hidden by the role: the metric and its measure alike.
      const blind = await token('blind');
      expect((await post('/cubejs-api/v1/load', { measures: ['sales.revenue'] }, blind)).statusCode).toBe(403);
    });

    it('/cubejs-api/v1/sql returns the SQL and parameters that give the load answer, for show_sql roles only', async () => {
      const q = { measures: ['sales.revenue'], dimensions: ['product.category'], timeDimensions: [{ dimension: 'sales.sold_at', granularity: 'month', dateRange: ['2024-01-01', '2024-06-30'] }], limit: 4, offset: 1, timezone: TZ };
      for (const send of [post, get]) {
        const r = await send('/cubejs-api/v1/sql', q, emeaSql);
        expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
        const body = r.json() as { sql: { sql: [string, unknown[]]; order: { id: string; desc: boolean }[] } };
        const [text, params] = body.sql.sql;
        expect(params).toContain('EMEA');
        expect(params).toContain(TZ);
        expect(text).not.toContain('EMEA');
        expect(body.sql.order).toEqual([
          { id: 'product.category', desc: false },
          { id: 'sales.sold_at', desc: false },
        ]);
        // Running it gives exactly the restricted role's page.
        const rows = norm((await adapter.query<Row>(text, params)).rows).map((x) => ({ c: x['product.category'], m: x['sales.sold_at.month'], v: x['revenue'] }));
        const local = `((f.sold_at at time zone 'UTC') at time zone '${TZ}')`;
        const want = await hand(
          `select p.category as c, date_trunc('month', ${local}) as m, sum(f.amount) as v from ${JOINED} where c.region = 'EMEA' and ${local} >= '2024-01-01' and ${local} < '2024-07-01' group by 1, 2 order by 1, 2 limit 4 offset 1`,
        );
        expect(rows.map((x) => ({ ...x, m: String(x.m).slice(0, 10) }))).toEqual(want.map((x) => ({ ...x, m: String(x['m']).slice(0, 10) })));
        const loaded = data(await post('/cubejs-api/v1/load', q, emeaSql)).map((x) => ({ c: x['product.category'], m: String(x['sales.sold_at.month']).slice(0, 10), v: x['sales.revenue'] }));
        expect(loaded).toEqual(want.map((x) => ({ ...x, m: String(x['m']).slice(0, 10) })));
      }
      expect((await get('/cubejs-api/v1/sql', q, analyst)).statusCode).toBe(200);
      const refused = await post('/cubejs-api/v1/sql', q, finance);
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toEqual({ error: "role 'finance' may not see compiled SQL", request_id: expect.any(String) });
      expect((await get('/cubejs-api/v1/sql', q)).statusCode).toBe(401);
      const bad = await post('/cubejs-api/v1/sql', { measures: ['sales.nope'] }, analyst);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toContain("unknown measure 'sales.nope'");
      const badZone = await get('/cubejs-api/v1/sql', { ...q, timezone: 'Mars/Olympus' }, analyst);
      expect(badZone.statusCode).toBe(400);
      expect(badZone.json().error).toContain("unknown time zone 'Mars/Olympus'");
      expect(badZone.body).not.toMatch(DB_TEXT);
    });

    it('/cubejs-api/v1/dry-run validates and plans with the access rules, without running', async () => {
      const q = { measures: ['sales.revenue'], dimensions: ['customer.region'], timeDimensions: [{ dimension: 'sales.sold_at', granularity: 'year' }], order: [['sales.revenue', 'desc']], offset: 2, timezone: TZ };
      for (const send of [post, get]) {
        const r = await send('/cubejs-api/v1/dry-run', q, emea);
        expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
        const body = r.json();
        expect(body.queryType).toBe('regularQuery');
        expect(body.normalizedQueries).toHaveLength(1);
        expect(body.normalizedQueries[0]).toMatchObject({ measures: ['sales.revenue'], dimensions: ['customer.region'], timezone: TZ, limit: 10000, offset: 2, segments: [], filters: [] });
        expect(body.pivotQuery).toMatchObject({ measures: ['sales.revenue'], queryType: 'regularQuery' });
        expect(body.queryOrder).toEqual([{ 'sales.revenue': 'desc' }, { 'customer.region': 'asc' }, { 'sales.sold_at': 'asc' }]);
      }
      // Refusals are the planner's, as for load: a hidden member 403, a bad query 400, no token 401.
      const hidden = await post('/cubejs-api/v1/dry-run', { ...q, dimensions: ['customer.email'] }, emea);
      expect(hidden.statusCode).toBe(403);
      expect(hidden.json()).toMatchObject({ error: expect.stringContaining('customer.email'), request_id: expect.any(String) });
      expect((await post('/cubejs-api/v1/dry-run', q, await token('sales'))).statusCode).toBe(403);
      const bad = await get('/cubejs-api/v1/dry-run', { measures: ['sales.revenue'], ungrouped: true }, finance);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toMatch(/ungrouped/);
      expect((await post('/cubejs-api/v1/dry-run', q)).statusCode).toBe(401);
      const notJson = await server.app.inject({ method: 'GET', url: '/cubejs-api/v1/dry-run?query=%7Bnope', headers: { authorization: `Bearer ${finance}` } });
      expect(notJson.statusCode).toBe(400);
      expect(notJson.json().error).toBe('query is not valid JSON');
    });

    it('/api/v1/query takes offset and timezone; an unknown zone is query-invalid', async () => {
      const q = { metrics: ['revenue'], dimensions: ['sales.sold_at.month'], order: [{ member: 'revenue', desc: true }], limit: 3, offset: 2, timezone: TZ };
      const r = await server.app.inject({ method: 'POST', url: '/api/v1/query', payload: q, headers: { authorization: `Bearer ${emea}` } });
      expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
      const local = `((f.sold_at at time zone 'UTC') at time zone '${TZ}')`;
      const want = await hand(`select date_trunc('month', ${local})::date as m, sum(f.amount) as v from ${JOINED} where c.region = 'EMEA' group by 1 order by 2 desc, 1 limit 3 offset 2`);
      expect((r.json().rows as Row[]).map((x) => ({ m: x['sales.sold_at.month'], v: Math.round(Number(x['revenue']) * 1e6) / 1e6 }))).toEqual(want.map((x) => ({ m: String(x['m']).slice(0, 10), v: x['v'] })));
      const bad = await server.app.inject({ method: 'POST', url: '/api/v1/query', payload: { ...q, timezone: 'Mars/Olympus' }, headers: { authorization: `Bearer ${emea}` } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('invalid_query');
      expect(bad.json().error.diagnostics[0]).toMatchObject({ code: 'query-invalid', message: expect.stringContaining("unknown time zone 'Mars/Olympus'") });
    });

    it('openapi lists the new routes and the metric query fields', async () => {
      const o = (await server.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
      expect(Object.keys(o.paths)).toEqual(expect.arrayContaining(['/cubejs-api/v1/sql', '/cubejs-api/v1/dry-run']));
      expect(Object.keys(o.components.schemas.MetricQuery.properties)).toEqual(expect.arrayContaining(['offset', 'timezone']));
    });
  });
}
