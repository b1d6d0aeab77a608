import { beforeAll, describe, expect, it } from 'vitest';
import { initSqlParser, loadSemanticLayer, parseMetricQuery, planQuery } from '../../../src/semantic/index.js';
import { load, MF } from './metricflow-fixture.js';

describe('MetricFlow semantic YAML → IR', () => {
  beforeAll(async () => {
    await initSqlParser();
  });

  it('maps entities, dimensions and measures, with lineage and labels', () => {
    const r = load(MF);
    expect(r.diagnostics).toEqual([]);
    const o = r.layer!.models['orders']!;
    expect(o).toMatchObject({ format: 'metricflow', primaryKey: 'order_id', primaryEntity: 'order', defaultTime: 'ordered_at', dependsOn: ['model.p.orders'], from: '"db"."s"."orders"', description: 'One row per order' });
    expect(o.entities).toEqual({ order: { type: 'primary', expr: 'order_id' }, customer: { type: 'foreign', expr: 'customer_id' } });
    // Entities are dimensions too.
    expect(o.dimensions['customer']).toMatchObject({ type: 'string', expr: 'customer_id', sql: '{self}.customer_id' });
    expect(o.dimensions['status']).toMatchObject({ type: 'string', label: 'Status' });
    expect(o.dimensions['ordered_at']!.granularities).toEqual(['day', 'week', 'month', 'quarter', 'year']);
    expect(r.layer!.models['order_items']!.dimensions['shipped_at']!.granularities).toEqual(['month', 'quarter', 'year']);
    expect(r.layer!.models['customers']!.primaryEntity).toBe('customer');
    expect(o.measures['avg_order']).toMatchObject({ agg: 'avg', aggTime: 'ordered_at' });
    expect(o.measures['large_orders']).toMatchObject({ agg: 'sum', expr: 'case when (amount > 100) then 1 else 0 end' });
    expect(o.measures['order_count']).toMatchObject({ agg: 'sum', expr: '1' });
    expect(o.measures['median_order']).toMatchObject({ agg: 'median', percentile: { fraction: 0.5, discrete: false } });
    expect(o.measures['p90_order']).toMatchObject({ agg: 'percentile', percentile: { fraction: 0.9, discrete: true } });
    expect(r.layer!.models['order_items']!.measures['item_total']!.aggTime).toBe('shipped_at');
  });

  it('infers many-to-one joins from foreign entities and prefers the shortest entity path', () => {
    const l = load(MF).layer!;
    expect(l.models['orders']!.joins.map((j) => [j.to, j.relationship, j.on])).toEqual([['customers', 'many_to_one', '{orders}.customer_id = {customers}.customer_id']]);
    expect(l.models['order_items']!.joins.map((j) => j.to)).toEqual(['orders', 'customers']);
    // Two paths to customers (direct and through orders): the direct one, as MetricFlow does.
    expect(l.paths['order_items']).toEqual({ orders: ['orders'], customers: ['customers'] });
    expect(l.paths['customers']).toEqual({});
  });

  it('metrics: global measure names, filters translated, generated inputs, aliases', () => {
    const l = load(MF).layer!;
    const m = l.metrics;
    expect(m['revenue']).toMatchObject({ type: 'simple', label: 'Revenue', measure: { model: 'orders', measure: 'order_total' }, filter: null });
    // create_metric: true
    expect(m['order_total']).toMatchObject({ type: 'simple', measure: { model: 'orders', measure: 'order_total' } });
    expect(m['emea_revenue']!.filter).toBe("((date_trunc('month', {orders}.ordered_at)::date >= '2024-01-01') and ({orders}.customer_id is not null)) and ({customers}.region = 'EMEA')");
    expect(m['aov']).toMatchObject({ type: 'ratio', numerator: 'revenue', denominator: 'aov__denominator' });
    expect(m['aov__denominator']).toMatchObject({ type: 'derived', expr: 'orders', metrics: ['orders'], filter: "{orders}.status != 'cancelled'" });
    expect(m['non_emea']).toMatchObject({ type: 'derived', expr: 'revenue - emea_revenue', metrics: ['revenue', 'emea_revenue'] });
    expect(m['revenue_30d']).toMatchObject({ type: 'cumulative', window: '30 days', grainToDate: null });
    expect(m['revenue_all_time']).toMatchObject({ type: 'cumulative', window: null, grainToDate: null });
  });

  it('saved queries become plain named queries in Strata member names', () => {
    const l = load(MF).layer!;
    expect(l.savedQueries!['monthly']).toEqual({
      name: 'monthly',
      description: 'Revenue by month and region',
      label: 'Monthly',
      metrics: ['revenue', 'aov'],
      dimensions: ['orders.ordered_at.month', 'customers.region', 'orders.customer', 'orders.status'],
      filters: ['{orders}.amount > 100'],
      loc: { file: 'models/semantic.yml', line: expect.any(Number), col: 5 },
    });
  });

  it('plans MetricFlow metrics: percentile aggregates, generated inputs, metric_time in queries', () => {
    const l = load(MF).layer!;
    const sql = planQuery(l, parseMetricQuery({ metrics: ['aov'], dimensions: ['metric_time.month'] })).sql;
    expect(sql).toContain(`date_trunc('month', "orders".ordered_at)::date as "d0"`);
    expect(sql).toContain(`"orders".status != 'cancelled'`);
    expect(sql).toContain('"orders.ordered_at.month"');
    const pct = load(MF.replace('metrics:\n  - { name: revenue,', 'metrics:\n  - { name: p90, label: p, type: simple, type_params: { measure: p90_order } }\n  - { name: med, label: m, type: simple, type_params: { measure: median_order } }\n  - { name: revenue,'));
    expect(pct.diagnostics).toEqual([]);
    const p = planQuery(pct.layer!, parseMetricQuery({ metrics: ['p90', 'med'] })).sql;
    expect(p).toContain('percentile_disc(0.9) within group (order by "orders".amount)');
    expect(p).toContain('percentile_cont(0.5) within group (order by "orders".amount)');
  });

  it('Strata and MetricFlow semantic models mix in one project, told apart by their keys', () => {
    const r = load(MF, [
      {
        file: 'semantic/strata.yml',
        text: `semantic_models:
  - name: targets
    model: ref('events')
    primary_key: id
    joins:
      - { to: customers, relationship: many_to_one, on: "{targets}.customer_id = {customers}.customer_id" }
    dimensions:
      - { name: at, type: time }
    measures:
      - { name: target, agg: sum, expr: amount }
metrics:
  - { name: target, type: simple, measure: targets.target }
  - { name: revenue_vs_target, type: ratio, numerator: revenue, denominator: target }
`,
      },
    ]);
    expect(r.diagnostics).toEqual([]);
    expect(r.layer!.models['targets']!.format).toBeUndefined();
    expect(r.layer!.models['targets']!.measures['target']!.aggTime).toBe('at');
    expect(r.layer!.paths['targets']).toEqual({ customers: ['customers'] });
    expect(r.layer!.metrics['revenue_vs_target']).toMatchObject({ numerator: 'revenue', denominator: 'target' });
  });

  it('natural entities of an SCD model join on the key and the validity window', () => {
    const r = load(`semantic_models:
  - name: orders
    model: ref('orders')
    defaults: { agg_time_dimension: ordered_at }
    entities:
      - { name: order, type: primary, expr: order_id }
      - { name: customer, type: foreign, expr: customer_id }
    dimensions:
      - { name: ordered_at, type: time, type_params: { time_granularity: day } }
    measures:
      - { name: order_total, agg: sum, expr: amount }
  - name: customer_history
    model: ref('customer_scd')
    primary_entity: customer_version
    entities:
      - { name: customer, type: natural, expr: customer_id }
    dimensions:
      - { name: tier, type: categorical }
      - { name: valid_from, type: time, type_params: { time_granularity: day, validity_params: { is_start: true } } }
      - { name: valid_to, type: time, type_params: { time_granularity: day, validity_params: { is_end: true } } }
`);
    expect(r.diagnostics).toEqual([]);
    expect(r.layer!.models['orders']!.joins).toEqual([
      expect.objectContaining({
        to: 'customer_history',
        relationship: 'many_to_one',
        on: '{orders}.customer_id = {customer_history}.customer_id and {orders}.ordered_at >= {customer_history}.valid_from and ({orders}.ordered_at < {customer_history}.valid_to or {customer_history}.valid_to is null)',
      }),
    ]);
  });

  it('non_additive_dimension in Strata format', () => {
    const r = loadSemanticLayer(
      [
        {
          file: 'semantic/b.yml',
          text: `semantic_models:
  - name: balances
    table: s.balances
    dimensions:
      - { name: as_of, type: time }
      - { name: account, expr: account_id }
    measures:
      - name: balance
        agg: sum
        expr: amount
        non_additive_dimension: { name: as_of, window_choice: max, window_groupings: [account] }
metrics:
  - { name: balance, type: simple, measure: balances.balance }
`,
        },
      ],
      { resolveRef: () => undefined, refNames: [] },
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.layer!.models['balances']!.measures['balance']!.nonAdditive).toEqual({ dimension: 'as_of', windowChoice: 'max', windowGroupings: ['account'] });
    const sql = planQuery(r.layer!, parseMetricQuery({ metrics: ['balance'], dimensions: ['balances.as_of.month'] })).sql;
    expect(sql).toContain(`max("balances".as_of) over (partition by date_trunc('month', "balances".as_of)::date, "balances".account_id) as "__x0"`);
    expect(sql).toContain(`sum("r"."__v0") filter (where "r"."__t0" = "r"."__x0")`);
    // Without a time dimension: one window over the whole filtered range, per account.
    expect(planQuery(r.layer!, parseMetricQuery({ metrics: ['balance'] })).sql).toContain('over (partition by "balances".account_id)');
  });
});
