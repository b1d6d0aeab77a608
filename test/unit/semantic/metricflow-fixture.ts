import { loadSemanticLayer } from '../../../src/semantic/index.js';

/** Shared by the MetricFlow unit tests. */
const refs: Record<string, { relation: string; uniqueId: string }> = Object.fromEntries(
  ['orders', 'order_items', 'customers', 'customer_scd', 'balances', 'events'].map((t) => [t, { relation: `"db"."s"."${t}"`, uniqueId: `model.p.${t}` }]),
);
export const load = (text: string, extra: { file: string; text: string }[] = []) =>
  loadSemanticLayer([{ file: 'models/semantic.yml', text }, ...extra], { resolveRef: (n) => refs[n], refNames: Object.keys(refs) });

/** A small MetricFlow layer: orders → customers, items → orders and customers. */
export const MF = `semantic_models:
  - name: orders
    model: ref('orders')
    description: One row per order
    defaults: { agg_time_dimension: ordered_at }
    entities:
      - { name: order, type: primary, expr: order_id }
      - { name: customer, type: foreign, expr: customer_id }
    dimensions:
      - { name: ordered_at, type: time, type_params: { time_granularity: day } }
      - { name: status, type: categorical, label: Status }
      - { name: is_large, type: categorical, expr: "amount > 100" }
    measures:
      - { name: order_total, agg: sum, expr: amount, create_metric: true }
      - { name: order_count, agg: sum, expr: 1 }
      - { name: avg_order, agg: average, expr: amount }
      - { name: large_orders, agg: sum_boolean, expr: "amount > 100" }
      - { name: median_order, agg: median, expr: amount }
      - { name: p90_order, agg: percentile, expr: amount, agg_params: { percentile: 0.9, use_discrete_percentile: true } }
      - { name: order_customers, agg: count_distinct, expr: customer_id }
  - name: order_items
    model: ref('order_items')
    defaults: { agg_time_dimension: shipped_at }
    entities:
      - { name: item, type: primary, expr: item_id }
      - { name: order, type: foreign, expr: order_id }
      - { name: customer, type: foreign, expr: customer_id }
    dimensions:
      - { name: shipped_at, type: time, type_params: { time_granularity: month } }
    measures:
      - { name: item_total, agg: sum, expr: amount }
  - name: customers
    model: ref('customers')
    primary_entity: customer
    entities:
      - { name: customer, type: primary, expr: customer_id }
    dimensions:
      - { name: region, type: categorical }
metrics:
  - { name: revenue, label: Revenue, type: simple, type_params: { measure: order_total } }
  - { name: orders, label: Orders, type: simple, type_params: { measure: order_count } }
  - name: emea_revenue
    label: EMEA revenue
    type: simple
    type_params:
      measure: { name: order_total, filter: "{{ Dimension('customer__region') }} = 'EMEA'" }
    filter:
      - "{{ TimeDimension('metric_time', 'month') }} >= '2024-01-01'"
      - "{{ Entity('customer') }} is not null"
  - name: aov
    label: AOV
    type: ratio
    type_params:
      numerator: revenue
      denominator: { name: orders, filter: "{{ Dimension('order__status') }} != 'cancelled'" }
  - name: non_emea
    label: Non-EMEA
    type: derived
    type_params:
      expr: r - e
      metrics: [{ name: revenue, alias: r }, { name: emea_revenue, alias: e }]
  - { name: revenue_30d, label: r30, type: cumulative, type_params: { measure: order_total, window: 30 days } }
  - { name: revenue_all_time, label: rall, type: cumulative, type_params: { measure: order_total } }
  - { name: item_revenue, label: items, type: simple, type_params: { measure: item_total } }
saved_queries:
  - name: monthly
    description: Revenue by month and region
    label: Monthly
    query_params:
      metrics: [revenue, aov]
      group_by: ["TimeDimension('metric_time', 'month')", "{{ Dimension('customer__region') }}", "Entity('customer')", "orders.status"]
      where: "{{ Dimension('order__is_large') }}"
    exports: [{ name: monthly_export, config: { export_as: table } }]
`;
