import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { initSqlParser, loadSemanticLayer, parseMetricQuery, planQuery, QueryError, type SemanticLayer } from '../../../src/semantic/index.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';
const uniqueSchema = (p: string): string => `${p}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
import { starSchemaSql, starSemanticYaml } from '../../fixtures/semantic/star.js';

type Row = Record<string, unknown>;

/** Normalises driver differences (numeric as string, Date objects) so rows compare by value. */
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

for (const db of testDatabases()) {
  describe(`semantic planner on ${db.name}`, () => {
    const s = uniqueSchema('sem');
    let adapter: WarehouseAdapter;
    let layer: SemanticLayer;

    beforeAll(async () => {
      await initSqlParser();
      adapter = await adapterFor(db);
      for (const stmt of starSchemaSql(s)) await adapter.query(stmt);
      const r = loadSemanticLayer([{ file: 'semantic/star.yml', text: starSemanticYaml(s) }], { resolveRef: () => undefined, refNames: [] });
      expect(r.diagnostics).toEqual([]);
      layer = r.layer!;
    });
    afterAll(async () => {
      await adapter.query(`drop schema if exists "${s}" cascade`);
      await adapter.close();
    });

    const run = async (query: unknown, security?: Parameters<typeof planQuery>[2]): Promise<Row[]> => {
      const plan = planQuery(layer, parseMetricQuery(query), security);
      return norm((await adapter.query<Row>(plan.sql, plan.params)).rows);
    };
    const hand = async (sql: string, params: unknown[] = []): Promise<Row[]> => norm((await adapter.query<Row>(sql.replace(/\bS\./g, `"${s}".`), params)).rows);

    it('simple metric by a joined dimension equals hand-written SQL', async () => {
      expect(await run({ metrics: ['revenue', 'units'], dimensions: ['customer.region'] })).toEqual(
        await hand(`select c.region as "customer.region", sum(f.amount) as revenue, sum(f.quantity) as units
          from S.fact_sales f left join S.dim_customer c using (customer_key) group by 1 order by 1`),
      );
    });

    it('ratio and derived metrics', async () => {
      expect(await run({ metrics: ['avg_order_value', 'revenue_per_customer'], dimensions: ['product.category'] })).toEqual(
        await hand(`select p.category as "product.category",
            sum(f.amount)::float8 / nullif(count(distinct f.order_id), 0) as avg_order_value,
            (sum(f.amount) / nullif(count(distinct f.customer_key), 0)) as revenue_per_customer
          from S.fact_sales f left join S.dim_product p using (product_key) group by 1 order by 1`),
      );
    });

    it('metric filters, including one on a joined model', async () => {
      expect(await run({ metrics: ['web_revenue', 'enterprise_revenue', 'revenue'], dimensions: ['sales.sold_at.year'] })).toEqual(
        await hand(`select date_trunc('year', f.sold_at)::date as "sales.sold_at.year",
            sum(f.amount) filter (where f.channel = 'web') as web_revenue,
            sum(f.amount) filter (where c.segment = 'Enterprise') as enterprise_revenue,
            sum(f.amount) as revenue
          from S.fact_sales f left join S.dim_customer c using (customer_key) group by 1 order by 1`),
      );
    });

    it('every granularity truncates like date_trunc', async () => {
      for (const g of ['day', 'week', 'month', 'quarter', 'year']) {
        expect(await run({ metrics: ['revenue'], dimensions: [`sales.sold_at.${g}`] })).toEqual(
          await hand(`select date_trunc('${g}', sold_at)::date as "sales.sold_at.${g}", sum(amount) as revenue from S.fact_sales group by 1 order by 1`),
        );
      }
    });

    it('cumulative: year to date and a rolling 7-day window', async () => {
      expect(await run({ metrics: ['revenue_ytd'], dimensions: ['sales.sold_at.month'] })).toEqual(
        await hand(`select m as "sales.sold_at.month", sum(r) over (partition by date_trunc('year', m) order by m) as revenue_ytd
          from (select date_trunc('month', sold_at)::date as m, sum(amount) as r from S.fact_sales group by 1) x order by 1`),
      );
      expect(await run({ metrics: ['revenue_7d'], dimensions: ['sales.sold_at.day'], time_range: { dimension: 'sales.sold_at', from: '2024-01-10', to: '2024-01-31' } })).toEqual(
        await hand(`select d as "sales.sold_at.day",
            (select sum(amount) from S.fact_sales f where f.sold_at::date > d - 7 and f.sold_at::date <= d) as revenue_7d
          from (select distinct sold_at::date as d from S.fact_sales) days
          where d between '2024-01-10' and '2024-01-31' order by 1`),
      );
    });

    it('conversion: web visit followed by a purchase within 7 days, per customer', async () => {
      expect(await run({ metrics: ['visit_to_purchase'], dimensions: ['customer.region'] })).toEqual(
        await hand(`select c.region as "customer.region",
            count(*) filter (where exists (select 1 from S.fact_sales f where f.customer_key = w.customer_key
               and f.sold_at > w.occurred_at and f.sold_at <= w.occurred_at + interval '7 days'))::float8 / count(*) as visit_to_purchase
          from S.web_events w left join S.dim_customer c using (customer_key) group by 1 order by 1`),
      );
    });

    it('every filter operator binds its values and matches hand-written SQL', async () => {
      const cases: [unknown, string, unknown[]][] = [
        [{ member: 'customer.region', op: 'equals', values: ['EMEA'] }, `c.region = $1`, ['EMEA']],
        [{ member: 'customer.region', op: 'not_equals', values: ['EMEA'] }, `c.region is distinct from $1`, ['EMEA']],
        [{ member: 'customer.country', op: 'in', values: ['Japan', 'France'] }, `c.country in ($1, $2)`, ['Japan', 'France']],
        [{ member: 'customer.country', op: 'not_in', values: ['Japan'] }, `c.country not in ($1)`, ['Japan']],
        [{ member: 'sales.sold_at', op: 'gt', values: ['2024-03-01'] }, `f.sold_at > $1`, ['2024-03-01']],
        [{ member: 'sales.sold_at', op: 'gte', values: ['2024-03-01'] }, `f.sold_at >= $1`, ['2024-03-01']],
        [{ member: 'sales.sold_at', op: 'lt', values: ['2024-03-01'] }, `f.sold_at < $1`, ['2024-03-01']],
        [{ member: 'sales.sold_at', op: 'lte', values: ['2024-03-01 10:00'] }, `f.sold_at <= $1`, ['2024-03-01 10:00']],
        [{ member: 'sales.sold_at.month', op: 'between', values: ['2024-01-01', '2024-03-01'] }, `date_trunc('month', f.sold_at) between $1 and $2`, ['2024-01-01', '2024-03-01']],
        [{ member: 'customer.city', op: 'contains', values: ['UNI'] }, `c.city ilike '%uni%'`, []],
        [{ member: 'customer.email', op: 'is_null', values: [] }, `c.email is null`, []],
        [{ member: 'customer.email', op: 'not_null', values: [] }, `c.email is not null`, []],
      ];
      for (const [filter, where, params] of cases) {
        const got = await run({ metrics: ['revenue'], dimensions: ['sales.channel'], filters: [filter] });
        const want = await hand(
          `select f.channel as "sales.channel", sum(f.amount) as revenue from S.fact_sales f left join S.dim_customer c using (customer_key)
           where ${where.replace(/\$(\d)/g, (_m, n: string) => `$${n}::${typeof params[Number(n) - 1] === 'string' && /^\d{4}-/.test(String(params[Number(n) - 1])) ? 'timestamp' : 'text'}`)} group by 1 order by 1`,
          params,
        );
        expect(got, JSON.stringify(filter)).toEqual(want);
        expect(got.length, JSON.stringify(filter)).toBeGreaterThan(0);
      }
    });

    it('a filter on a metric applies to the aggregated value', async () => {
      expect(await run({ metrics: ['revenue'], dimensions: ['customer.city'], filters: [{ member: 'revenue', op: 'gt', values: [3800] }] })).toEqual(
        await hand(`select c.city as "customer.city", sum(f.amount) as revenue from S.fact_sales f left join S.dim_customer c using (customer_key)
          group by 1 having sum(f.amount) > 3800 order by 1`),
      );
    });

    it('segments, time_range, order and limit', async () => {
      expect(
        await run({
          metrics: ['revenue'],
          dimensions: ['customer.country'],
          segments: ['sales.online'],
          time_range: { dimension: 'sales.sold_at', from: '2024-01-01', to: '2024-06-30' },
          order: [{ member: 'revenue', desc: true }],
          limit: 2,
        }),
      ).toEqual(
        await hand(`select c.country as "customer.country", sum(f.amount) as revenue from S.fact_sales f left join S.dim_customer c using (customer_key)
          where f.channel in ('web', 'mobile') and f.sold_at >= '2024-01-01' and f.sold_at < '2024-07-01'
          group by 1 order by 2 desc limit 2`),
      );
    });

    it('metrics of different models are aggregated separately, then combined (no inflation)', async () => {
      expect(await run({ metrics: ['revenue', 'visits', 'order_count'], dimensions: ['customer.region'] })).toEqual(
        await hand(`select r as "customer.region", revenue, visits, order_count from
            (select c.region as r, sum(f.amount) as revenue from S.fact_sales f left join S.dim_customer c using (customer_key) group by 1) a
            full join (select c.region as r, count(*) as visits from S.web_events w left join S.dim_customer c using (customer_key) group by 1) b using (r)
            full join (select c.region as r, count(*) as order_count from S.orders o left join S.dim_customer c using (customer_key) group by 1) d using (r)
          order by 1`),
      );
    });

    it('orders x order_items: order counts are not inflated by their items', async () => {
      const got = await run({ metrics: ['order_count', 'item_amount'], dimensions: ['orders.status'] });
      const want = await hand(`select o.status as "orders.status", count(*) as order_count,
            (select sum(i.amount) from S.order_items i join S.orders o2 using (order_id) where o2.status = o.status) as item_amount
          from S.orders o group by 1 order by 1`);
      expect(got).toEqual(want);
      // The naive join would have counted each order once per item:
      const naive = await hand(`select o.status, count(*) as n from S.orders o join S.order_items i using (order_id) group by 1 order by 1`);
      expect(naive.map((r) => r['n'])).not.toEqual(got.map((r) => r['order_count']));
    });

    it('refuses a query that could only be answered by fanning out', () => {
      expect(() => planQuery(layer, parseMetricQuery({ metrics: ['order_count'], dimensions: ['items.line'] }))).toThrow(
        /cannot combine orders.order_count \(measured on 'orders'\) with dimension 'items.line': there is no many-to-one join path from 'orders' to 'items'/,
      );
    });

    it('drills down a hierarchy one level under a path', async () => {
      const q = { metrics: ['revenue'], drill: { hierarchy: 'geography', path: { 'customer.region': 'EMEA' } } };
      const plan = planQuery(layer, parseMetricQuery(q));
      expect(plan.drill).toEqual({ hierarchy: 'geography', level: 'customer.country', depth: 1, isLeaf: false });
      expect(await run(q)).toEqual(
        await hand(`select c.country as "customer.country", sum(f.amount) as revenue from S.fact_sales f left join S.dim_customer c using (customer_key)
          where c.region = 'EMEA' group by 1 order by 1`),
      );
      const cal = { metrics: ['revenue'], drill: { hierarchy: 'calendar', path: { 'sales.sold_at.year': 2024, 'sales.sold_at.quarter': '2024-04-01' } } };
      expect(await run(cal)).toEqual(
        await hand(`select date_trunc('month', sold_at)::date as "sales.sold_at.month", sum(amount) as revenue from S.fact_sales
          where date_trunc('year', sold_at) = '2024-01-01' and date_trunc('quarter', sold_at) = '2024-04-01' group by 1 order by 1`),
      );
    });

    it("applies a role's row filter through joins, binds the claim, hides members", async () => {
      const sales = { role: layer.access!.roles['sales']!, user: { region: 'APAC' } };
      const plan = planQuery(layer, parseMetricQuery({ metrics: ['revenue'], dimensions: ['sales.channel'] }), sales);
      expect(plan.params).toContain('APAC');
      expect(plan.sql).not.toContain('APAC');
      expect(await run({ metrics: ['revenue'], dimensions: ['sales.channel'] }, sales)).toEqual(
        await hand(`select f.channel as "sales.channel", sum(f.amount) as revenue from S.fact_sales f join S.dim_customer c using (customer_key)
          where c.region = 'APAC' group by 1 order by 1`),
      );
      const evil = { role: layer.access!.roles['sales']!, user: { region: "APAC' or '1'='1" } };
      expect(await run({ metrics: ['revenue'] }, evil)).toEqual([{ revenue: null }]);
      expect(() => planQuery(layer, parseMetricQuery({ metrics: ['revenue'], dimensions: ['customer.email'] }), sales)).toThrow(QueryError);
      expect(() => planQuery(layer, parseMetricQuery({ metrics: ['revenue'], filters: [{ member: 'customer.email', op: 'is_null' }] }), sales)).toThrow(/not available to role 'sales'/);
      expect(() => planQuery(layer, parseMetricQuery({ metrics: ['revenue'] }), { role: layer.access!.roles['sales']!, user: {} })).toThrow(/needs the token claim 'region'/);
    });
  });
}
