import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { initSqlParser, loadSemanticLayer, parseMetricQuery, planQuery, type SemanticLayer } from '../../../src/semantic/index.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';
import { ACCESS_YAML, balancesSql, balancesStrataYaml, fixtureRefs, METRICFLOW_YAML } from '../../fixtures/semantic/metricflow.js';
import { starSchemaSql, starSemanticYaml } from '../../fixtures/semantic/star.js';

type Row = Record<string, unknown>;
const uniqueSchema = (p: string): string => `${p}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

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

for (const db of testDatabases()) {
  describe(`MetricFlow YAML on ${db.name}`, () => {
    const s = uniqueSchema('mf');
    let adapter: WarehouseAdapter;
    let mf: SemanticLayer;
    let strataLayer: SemanticLayer;

    beforeAll(async () => {
      await initSqlParser();
      adapter = await adapterFor(db);
      for (const stmt of [...starSchemaSql(s), ...balancesSql(s)]) await adapter.query(stmt);
      const refs = fixtureRefs(s);
      const a = loadSemanticLayer(
        [
          { file: 'models/semantic.yml', text: METRICFLOW_YAML },
          { file: 'models/access.yml', text: ACCESS_YAML },
        ],
        { resolveRef: (n) => refs[n], refNames: Object.keys(refs) },
      );
      expect(a.diagnostics).toEqual([]);
      mf = a.layer!;
      const b = loadSemanticLayer(
        [
          { file: 'semantic/star.yml', text: starSemanticYaml(s) },
          { file: 'semantic/balances.yml', text: balancesStrataYaml(s) },
        ],
        { resolveRef: () => undefined, refNames: [] },
      );
      expect(b.diagnostics).toEqual([]);
      strataLayer = b.layer!;
    });
    afterAll(async () => {
      await adapter.query(`drop schema if exists "${s}" cascade`);
      await adapter.close();
    });

    const run = async (layer: SemanticLayer, query: unknown, security?: Parameters<typeof planQuery>[2]): Promise<Row[]> => {
      const plan = planQuery(layer, parseMetricQuery(query), security);
      return norm((await adapter.query<Row>(plan.sql, plan.params)).rows);
    };
    const hand = async (sql: string, params: unknown[] = []): Promise<Row[]> => norm((await adapter.query<Row>(sql.replace(/\bS\./g, `"${s}".`), params)).rows);
    /** Both layers answer the query; the answers are equal and not empty. */
    const same = async (query: Record<string, unknown>): Promise<Row[]> => {
      const a = await run(mf, query);
      const b = await run(strataLayer, query);
      expect(a.length).toBeGreaterThan(0);
      expect(a).toEqual(b);
      return a;
    };

    it('simple, ratio and derived metrics equal the Strata layer', async () => {
      await same({ metrics: ['revenue', 'units', 'orders'], dimensions: ['customer.region'] });
      await same({ metrics: ['avg_order_value', 'revenue_per_customer'], dimensions: ['product.category'] });
      await same({ metrics: ['revenue', 'unique_customers'], dimensions: ['customer.segment', 'sales.channel'], filters: [{ member: 'customer.region', op: 'equals', values: ['EMEA'] }] });
    });

    it('metric filters in Dimension() syntax, on the model and on a joined model', async () => {
      await same({ metrics: ['web_revenue', 'enterprise_revenue', 'revenue'], dimensions: ['sales.sold_at.year'] });
    });

    it('a ratio with a filtered numerator equals hand-written SQL', async () => {
      expect(await run(mf, { metrics: ['web_share'], dimensions: ['customer.region'] })).toEqual(
        await hand(`select c.region as "customer.region", (sum(f.amount) filter (where f.channel = 'web'))::float8 / nullif(sum(f.amount), 0) as web_share
          from S.fact_sales f left join S.dim_customer c using (customer_key) group by 1 order by 1`),
      );
    });

    it('cumulative metrics (grain_to_date and window) with a time range', async () => {
      await same({ metrics: ['revenue_ytd', 'revenue_7d'], dimensions: ['sales.sold_at.month'], time_range: { dimension: 'sales.sold_at', from: '2024-02-01', to: '2024-09-30' } });
    });

    it('conversion metric', async () => {
      await same({ metrics: ['visit_to_purchase'], dimensions: ['customer.region'] });
    });

    it('metric_time is the measures\' agg time dimension', async () => {
      const a = await run(mf, { metrics: ['revenue'], dimensions: ['metric_time.month'], time_range: { dimension: 'metric_time', from: '2024-01-01' } });
      expect(a).toEqual(await run(strataLayer, { metrics: ['revenue'], dimensions: ['sales.sold_at.month'], time_range: { dimension: 'sales.sold_at', from: '2024-01-01' } }));
      expect(a.length).toBeGreaterThan(3);
      expect(() => planQuery(mf, parseMetricQuery({ metrics: ['revenue', 'visits'], dimensions: ['metric_time.month'] }))).toThrow(/metric_time is ambiguous.*sales\.sold_at, web\.occurred_at/);
    });

    it('a saved query runs as the query it names', async () => {
      const sq = mf.savedQueries!['revenue_by_region_month']!;
      expect(sq).toMatchObject({ metrics: ['revenue', 'orders'], dimensions: ['sales.sold_at.month', 'customer.region'], filters: [] });
      await same({ metrics: [...sq.metrics], dimensions: [...sq.dimensions] });
      expect(mf.savedQueries!['emea_web_revenue']).toMatchObject({
        dimensions: ['sales.channel'],
        filters: ["{customer}.region = 'EMEA'", "date_trunc('year', {sales}.sold_at)::date = '2024-01-01'"],
      });
    });

    // Semi-additive: the expected answers are computed with joins on max/min per group, not windows.
    const lastPerAccountMonth = `with b as (select date_trunc('month', as_of)::date as m, account_id, customer_key, as_of, amount from S.balances),
      last as (select m, account_id, max(as_of) as mx from b group by 1, 2)
      select b.* from b join last on b.m = last.m and b.account_id = last.account_id and b.as_of = last.mx`;

    it('semi-additive balance by month (last snapshot per account) in both formats', async () => {
      const expected = await hand(`select m as "accounts.as_of.month", sum(amount) as balance from (${lastPerAccountMonth}) x group by 1 order by 1`);
      expect(expected).toHaveLength(4);
      const sumAll = await hand(`select sum(amount) as s from S.balances`);
      expect(expected.reduce((n, r) => n + Number(r['balance']), 0)).toBeLessThan(Number(sumAll[0]!['s']));
      expect(await same({ metrics: ['balance'], dimensions: ['accounts.as_of.month'] })).toEqual(expected);
      // via metric_time on the MetricFlow layer
      const viaMetricTime = await run(mf, { metrics: ['balance'], dimensions: ['metric_time.month'] });
      expect(viaMetricTime.map((r) => r['balance'])).toEqual(expected.map((r) => r['balance']));
    });

    it('semi-additive balance by month and a joined dimension never counts a row twice', async () => {
      const expected = await hand(`select m as "accounts.as_of.month", c.region as "customer.region", sum(amount) as balance, sum(sum(amount)) over () as t
        from (${lastPerAccountMonth}) x left join S.dim_customer c using (customer_key) group by 1, 2 order by 1, 2`);
      const got = await same({ metrics: ['balance', 'deposits'], dimensions: ['accounts.as_of.month', 'customer.region'] });
      expect(got.map((r) => [r['accounts.as_of.month'], r['customer.region'], r['balance']])).toEqual(expected.map((r) => [r['accounts.as_of.month'], r['customer.region'], r['balance']]));
      // deposits (additive) in the same group aggregates every row
      const deposits = await hand(`select date_trunc('month', as_of)::date as m, c.region, sum(amount) as d from S.balances b left join S.dim_customer c using (customer_key) group by 1, 2 order by 1, 2`);
      expect(got.map((r) => r['deposits'])).toEqual(deposits.map((r) => r['d']));
    });

    it('semi-additive without a time dimension: the last snapshot in the filtered range', async () => {
      const expected = await hand(`with f as (select * from S.balances where as_of < date '2024-02-16'),
          last as (select account_id, max(as_of) as mx from f group by 1)
        select sum(amount) as balance from f join last on f.account_id = last.account_id and f.as_of = last.mx`);
      expect(await same({ metrics: ['balance'], time_range: { dimension: 'accounts.as_of', to: '2024-02-15' } })).toEqual(expected);
    });

    it('window_choice min without groupings: the first snapshot day of each month, under a filter', async () => {
      const expected = await hand(`with b as (select date_trunc('month', as_of)::date as m, as_of, amount, customer_key from S.balances b join S.dim_customer c using (customer_key) where c.segment = 'SMB')
        select m as "accounts.as_of.month", sum(amount) as opening_total from b where as_of = (select min(as_of) from b b2 where b2.m = b.m) group by 1 order by 1`);
      expect(await same({ metrics: ['opening_total'], dimensions: ['accounts.as_of.month'], filters: [{ member: 'customer.segment', op: 'equals', values: ['SMB'] }] })).toEqual(expected);
    });

    it('semi-additive under a row-level access filter: the min is taken over the rows the role may read', async () => {
      const expected = await hand(`with b as (select date_trunc('month', as_of)::date as m, as_of, amount from S.balances b join S.dim_customer c using (customer_key) where c.region = $1)
        select m as "accounts.as_of.month", sum(amount) as opening_total from b where as_of = (select min(as_of) from b b2 where b2.m = b.m) group by 1 order by 1`, ['APAC']);
      const unrestricted = await run(mf, { metrics: ['opening_total'], dimensions: ['accounts.as_of.month'] });
      for (const layer of [mf, strataLayer]) {
        const role = layer.access!.roles['sales']!;
        const got = await run(layer, { metrics: ['opening_total'], dimensions: ['accounts.as_of.month'] }, { role, user: { region: 'APAC' } });
        expect(got).toEqual(expected);
      }
      expect(unrestricted).not.toEqual(expected);
    });
  });
}
