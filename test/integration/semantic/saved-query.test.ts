import type { Response as InjectResponse } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { initSqlParser, loadSemanticLayer, parseMetricQuery, planQuery, planTotal, QueryError, savedQueryMembers, type SecurityContext, type SemanticLayer } from '../../../src/semantic/index.js';
import { afterBuild, createServer, mintToken, type StrataServer } from '../../../src/server/index.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';
import { balancesSql, fixtureRefs, METRICFLOW_YAML } from '../../fixtures/semantic/metricflow.js';
import { starSchemaSql } from '../../fixtures/semantic/star.js';

type Row = Record<string, unknown>;
const uniqueSchema = (p: string): string => `${p}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const SECRET = 'saved-query-test-secret-at-least-32-characters';

/** Two more saved queries: one filtering on a column a role hides, one over two models. */
const YAML = `${METRICFLOW_YAML}  - name: enterprise_by_channel
    query_params:
      metrics: [revenue, units]
      group_by: ["Dimension('sale__channel')"]
      where: ["{{ Dimension('customer__segment') }} = 'Enterprise'"]
  - name: smb_revenue_and_visits
    query_params:
      metrics: [revenue, visits]
      group_by: ["Dimension('customer__region')"]
      where: ["{{ Dimension('customer__segment') }} = 'SMB'"]
`;

const ACCESS = `access:
  roles:
    finance: {}
    sales:
      row_filter: "{customer}.region = {{ user.region }}"
      unrestricted_models: [product]
    nosegment:
      hide: [customer.segment]
  default_role: none
`;

/** Driver differences (numeric as text, Date objects) normalised so rows compare by value. */
function norm(rows: readonly Row[]): Row[] {
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => {
        if (v instanceof Date) return [k, v.toISOString().slice(0, 10)];
        if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return [k, Math.round(Number(v) * 1e6) / 1e6];
        if (typeof v === 'number' || typeof v === 'bigint') return [k, Math.round(Number(v) * 1e6) / 1e6];
        return [k, v];
      }),
    ),
  );
}

function refusal(f: () => unknown): QueryError {
  try {
    f();
  } catch (e) {
    if (e instanceof QueryError) return e;
    throw e;
  }
  throw new Error('expected a QueryError');
}

for (const db of testDatabases()) {
  describe(`saved queries through the planner on ${db.name}`, () => {
    const s = uniqueSchema('sq');
    let adapter: WarehouseAdapter;
    let layer: SemanticLayer;
    let server: StrataServer;

    beforeAll(async () => {
      await initSqlParser();
      adapter = await adapterFor(db);
      for (const stmt of [...starSchemaSql(s), ...balancesSql(s)]) await adapter.query(stmt);
      const refs = fixtureRefs(s);
      const r = loadSemanticLayer(
        [
          { file: 'models/semantic.yml', text: YAML },
          { file: 'models/access.yml', text: ACCESS },
        ],
        { resolveRef: (n) => refs[n], refNames: Object.keys(refs) },
      );
      expect(r.diagnostics).toEqual([]);
      layer = r.layer!;
      await afterBuild({ adapter, layer, command: 'build', schema: s, nodes: 0, metaSchema: `${s}_meta` });
      server = await createServer({ layer, adapter, auth: { secret: SECRET }, metaSchema: `${s}_meta`, targetSchema: s, stateRefreshMs: 0 });
    });
    afterAll(async () => {
      await server?.close();
      await adapter.query(`drop schema if exists "${s}" cascade`);
      await adapter.query(`drop schema if exists "${s}_meta" cascade`);
      await adapter.close();
    });

    const role = (name: string, user: Record<string, unknown> = {}): SecurityContext => ({ role: layer.access!.roles[name]!, user });
    const run = async (query: unknown, security?: SecurityContext): Promise<Row[]> => {
      const plan = planQuery(layer, parseMetricQuery(query), security);
      return norm((await adapter.query<Row>(plan.sql, plan.params)).rows);
    };
    const hand = async (sql: string, params: unknown[] = []): Promise<Row[]> => norm((await adapter.query<Row>(sql.replace(/\bS\./g, `"${s}".`), params)).rows);
    const post = (body: unknown, auth: string): Promise<InjectResponse> =>
      server.app.inject({ method: 'POST', url: '/api/v1/query', payload: body as object, headers: { authorization: `Bearer ${auth}` } });
    const token = (r: string, attributes: Record<string, unknown> = {}): Promise<string> => mintToken({ secret: SECRET, role: r, attributes, ttl: '1h' });

    const byRegionMonth = (where = 'true'): string => `select date_trunc('month', f.sold_at) as "sales.sold_at.month", c.region as "customer.region",
        sum(f.amount) as revenue, count(distinct f.order_id) as orders
      from S.fact_sales f left join S.dim_customer c on c.customer_key = f.customer_key where ${where} group by 1, 2`;

    it('savedQueryMembers names its columns; the saved query runs as its members', async () => {
      expect(savedQueryMembers(layer, 'revenue_by_region_month')).toEqual({
        name: 'revenue_by_region_month',
        description: 'Monthly revenue per region',
        metrics: ['revenue', 'orders'],
        dimensions: ['sales.sold_at.month', 'customer.region'],
      });
      const rows = await run({ saved_query: 'revenue_by_region_month' });
      expect(rows.length).toBeGreaterThan(10);
      expect(rows).toEqual(await hand(`${byRegionMonth()} order by 1, 2`));
    });

    it('its where filters apply before aggregation (one over a joined model, one on metric_time)', async () => {
      const rows = await run({ saved_query: 'emea_web_revenue' });
      expect(rows.length).toBe(3);
      expect(rows).toEqual(
        await hand(`select f.channel as "sales.channel", sum(f.amount) as revenue from S.fact_sales f left join S.dim_customer c on c.customer_key = f.customer_key
          where c.region = 'EMEA' and f.sold_at >= '2024-01-01' and f.sold_at < '2025-01-01' group by 1 order by 1`),
      );
    });

    it('a filter applies in every aggregation of a saved query over two models', async () => {
      const rows = await run({ saved_query: 'smb_revenue_and_visits' });
      expect(rows.length).toBe(3);
      const expected = await hand(`with r as (select c.region, sum(f.amount) as revenue from S.fact_sales f join S.dim_customer c on c.customer_key = f.customer_key where c.segment = 'SMB' group by 1),
          v as (select c.region, count(w.event_id) as visits from S.web_events w join S.dim_customer c on c.customer_key = w.customer_key where c.segment = 'SMB' group by 1)
        select coalesce(r.region, v.region) as "customer.region", r.revenue, v.visits from r full join v on v.region = r.region order by 1`);
      expect(rows).toEqual(expected);
      // Not the unfiltered numbers.
      expect(rows).not.toEqual(await run({ metrics: ['revenue', 'visits'], dimensions: ['customer.region'] }));
    });

    it('the query\'s own filters, metric filters, metrics subset, order, limit and offset apply on top', async () => {
      const q = {
        saved_query: 'revenue_by_region_month',
        filters: [
          { member: 'customer.region', op: 'in', values: ['AMER', 'APAC'] },
          { member: 'metric_time', op: 'gte', values: ['2024-01-01'] },
          { member: 'orders', op: 'gt', values: [3] },
        ],
        order: [{ member: 'revenue', desc: true }],
        limit: 4,
        offset: 2,
      };
      const all = await hand(`select * from (${byRegionMonth("c.region in ('AMER', 'APAC') and f.sold_at >= '2024-01-01'")}) x where orders > 3 order by revenue desc, 1, 2`);
      expect(all.length).toBeGreaterThan(6);
      expect(await run(q)).toEqual(all.slice(2, 6));
      const total = planTotal(layer, parseMetricQuery(q));
      expect(Number((await adapter.query<{ total: unknown }>(total.sql, total.params)).rows[0]!.total)).toBe(all.length);
      // Only some of its metrics: the same rows, fewer columns.
      expect(await run({ saved_query: 'revenue_by_region_month', metrics: ['orders'] })).toEqual(
        (await hand(`${byRegionMonth()} order by 1, 2`)).map(({ revenue: _r, ...rest }) => rest),
      );
      // Its dimensions in another order are the same query.
      expect(await run({ saved_query: 'emea_web_revenue', dimensions: ['sales.channel'] })).toEqual(await run({ saved_query: 'emea_web_revenue' }));
    });

    it('refuses what would not be the saved query: query-invalid with did-you-mean', () => {
      const unknown = refusal(() => planQuery(layer, parseMetricQuery({ saved_query: 'emea_web_revenu' })));
      expect(unknown.status).toBe(400);
      expect(unknown.diagnostics[0]).toMatchObject({ code: 'query-invalid', message: "unknown saved query 'emea_web_revenu'", hint: "did you mean 'emea_web_revenue'?" });
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ metrics: ['units'] }, /has no metric 'units'/],
        [{ dimensions: ['customer.region'] }, /dimension 'sales.sold_at.month' cannot be left out/],
        [{ dimensions: ['sales.sold_at.month', 'customer.region', 'sales.channel'] }, /has no dimension 'sales.channel'/],
        [{ filters: [{ member: 'customer.segment', op: 'equals', values: ['SMB'] }] }, /a filter on 'customer.segment', which it does not return/],
        [{ segments: ['sales.online'] }, /segments cannot be combined/],
        [{ time_range: { dimension: 'web.occurred_at', from: '2024-01-01' } }, /time_range on 'web.occurred_at'/],
      ];
      for (const [extra, message] of cases) {
        const e = refusal(() => planQuery(layer, parseMetricQuery({ saved_query: 'revenue_by_region_month', ...extra })));
        expect(e.diagnostics[0]!.code, JSON.stringify(extra)).toBe('query-invalid');
        expect(e.message).toMatch(message);
        expect(e.message).toMatch(/^saved query 'revenue_by_region_month': /);
      }
    });

    it('a restricted role gets its row filter; a saved filter over a hidden column is 403', async () => {
      const emea = role('sales', { region: 'EMEA' });
      const rows = await run({ saved_query: 'revenue_by_region_month' }, emea);
      expect(rows.length).toBeGreaterThan(3);
      expect(rows).toEqual(await hand(`${byRegionMonth("c.region = 'EMEA'")} order by 1, 2`));
      // Over two models: the row filter applies to both aggregations, as does the saved filter.
      expect(await run({ saved_query: 'smb_revenue_and_visits' }, role('sales', { region: 'APAC' }))).toEqual(
        (await run({ saved_query: 'smb_revenue_and_visits' })).filter((r) => r['customer.region'] === 'APAC'),
      );
      const hidden = refusal(() => planQuery(layer, parseMetricQuery({ saved_query: 'enterprise_by_channel' }), role('nosegment')));
      expect(hidden.status).toBe(403);
      expect(hidden.diagnostics[0]).toMatchObject({ code: 'access-denied', message: "'customer.segment' is not available to role 'nosegment'" });
      // The same role may run saved queries that do not read the column, and is not offered that one.
      expect((await run({ saved_query: 'emea_web_revenue' }, role('nosegment'))).length).toBe(3);
      const guess = refusal(() => planQuery(layer, parseMetricQuery({ saved_query: 'enterprise_by_chanel' }), role('nosegment')));
      expect(guess.diagnostics[0]!.hint ?? '').not.toContain('enterprise_by_channel');
      expect(refusal(() => planQuery(layer, parseMetricQuery({ saved_query: 'enterprise_by_chanel' }))).diagnostics[0]!.hint).toBe("did you mean 'enterprise_by_channel'?");
    });

    it('POST /api/v1/query with saved_query: numbers, row filter, 403 and 400', async () => {
      const finance = await post({ saved_query: 'enterprise_by_channel' }, await token('finance'));
      expect(finance.statusCode).toBe(200);
      expect(finance.json().columns).toEqual([
        { name: 'sales.channel', type: 'string' },
        { name: 'revenue', type: 'number' },
        { name: 'units', type: 'number' },
      ]);
      expect(norm(finance.json().rows)).toEqual(
        await hand(`select f.channel as "sales.channel", sum(f.amount) as revenue, sum(f.quantity) as units from S.fact_sales f
          left join S.dim_customer c on c.customer_key = f.customer_key where c.segment = 'Enterprise' group by 1 order by 1`),
      );
      const sales = await post({ saved_query: 'revenue_by_region_month', order: [{ member: 'revenue', desc: true }] }, await token('sales', { region: 'AMER' }));
      expect(sales.statusCode).toBe(200);
      const rows = norm(sales.json().rows);
      expect(rows.length).toBeGreaterThan(3);
      expect(rows).toEqual(await hand(`${byRegionMonth("c.region = 'AMER'")} order by revenue desc, 1, 2`));
      const denied = await post({ saved_query: 'enterprise_by_channel' }, await token('nosegment'));
      expect(denied.statusCode).toBe(403);
      expect(denied.json().error).toMatchObject({ code: 'forbidden', diagnostics: [{ code: 'access-denied' }] });
      const unknown = await post({ saved_query: 'nope' }, await token('finance'));
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error).toMatchObject({ code: 'invalid_query', diagnostics: [{ code: 'query-invalid' }] });
      expect(unknown.json().error.message).toContain("unknown saved query 'nope'");
    });
  });
}
