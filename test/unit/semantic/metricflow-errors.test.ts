import { beforeAll, describe, expect, it } from 'vitest';
import { initSqlParser, parseMetricQuery, planQuery, QueryError } from '../../../src/semantic/index.js';
import { load, MF } from './metricflow-fixture.js';

/** The one error of `text`: code, line, message, hint (at the user's file). */
function only(text: string): { code: string; line: number | undefined; message: string; hint: string | undefined } {
  const r = load(text);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  expect(errors, JSON.stringify(errors, null, 1)).toHaveLength(1);
  expect(r.layer).toBeUndefined();
  const e = errors[0]!;
  expect(e.file).toBe('models/semantic.yml');
  return { code: e.code, line: e.line, message: e.message, hint: e.hint };
}
/** 1-based line of the first line of `text` containing `needle`. */
const lineOf = (text: string, needle: string): number => {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  expect(i, needle).toBeGreaterThanOrEqual(0);
  return i + 1;
};
/** `MF` with `extra` appended under metrics: (before saved_queries:). */
const withMetric = (extra: string): string => MF.replace('saved_queries:', `${extra}saved_queries:`);

describe('MetricFlow YAML errors are located diagnostics', () => {
  beforeAll(async () => {
    await initSqlParser();
  });

  it('unknown measure, with did-you-mean', () => {
    const t = MF.replace('type_params: { measure: order_count }', 'type_params: { measure: order_cont }');
    expect(only(t)).toMatchObject({ code: 'unknown-member', line: lineOf(t, 'order_cont'), message: "metric 'orders': unknown measure 'order_cont'", hint: "did you mean 'order_count'?" });
  });

  it('a measure name declared in two MetricFlow models', () => {
    const t = MF.replace('{ name: item_total, agg: sum, expr: amount }', '{ name: order_total, agg: sum, expr: amount }').replace('type_params: { measure: item_total }', 'type_params: { measure: order_count }');
    const r = load(t);
    const e = r.diagnostics.filter((d) => d.severity === 'error');
    const second = t.split('\n').findIndex((l, i) => i >= lineOf(t, 'name: order_items') && l.includes('name: order_total')) + 1;
    expect(e.map((d) => [d.code, d.line])).toEqual([['semantic-invalid', second]]);
    expect(e.some((d) => d.message.includes("measure 'order_total' of 'order_items' is also declared at models/semantic.yml:") && d.hint === 'MetricFlow measure names are global: rename one')).toBe(true);
  });

  it('offset_window is refused', () => {
    const t = withMetric(`  - name: revenue_last_month
    label: x
    type: derived
    type_params:
      expr: revenue - prev
      metrics:
        - revenue
        - { name: revenue, alias: prev, offset_window: 1 month }
`);
    expect(only(t)).toMatchObject({ code: 'semantic-invalid', line: lineOf(t, 'offset_window: 1 month'), message: "metric 'revenue_last_month': offset_window is not supported" });
  });

  it('an identifier in a derived expr that is not among its metrics', () => {
    const t = withMetric(`  - name: bad_derived
    label: x
    type: derived
    type_params:
      expr: revenue - revnue
      metrics: [revenue]
`);
    expect(only(t)).toMatchObject({ code: 'unknown-member', line: lineOf(t, 'expr: revenue - revnue'), hint: "did you mean 'revenue'?" });
  });

  it('metric_time in a filter over measures with different agg time dimensions', () => {
    const t = withMetric(`  - name: mixed
    label: x
    type: derived
    type_params:
      expr: revenue + item_revenue
      metrics: [revenue, item_revenue]
    filter: "{{ TimeDimension('metric_time', 'month') }} >= '2024-01-01'"
`);
    const e = only(t);
    expect(e).toMatchObject({ code: 'semantic-invalid', line: lineOf(t, "filter: \"{{ TimeDimension('metric_time', 'month') }} >= '2024-01-01'\"\n".trim().slice(0, 20)) });
    expect(e.message).toBe("metric 'mixed': metric_time in metric 'mixed' is ambiguous: its measures are aggregated over different time dimensions (orders.ordered_at, order_items.shipped_at)");
  });

  it('filters by Metric() and unknown dimensions', () => {
    const t = withMetric(`  - name: m1
    label: x
    type: simple
    type_params: { measure: order_total }
    filter: "{{ Metric('revenue', group_by=['customer']) }} > 10"
`);
    expect(only(t)).toMatchObject({ code: 'semantic-invalid', line: lineOf(t, "Metric('revenue'") });
    const u = MF.replace("Dimension('customer__region') }} = 'EMEA'", "Dimension('customer__regin') }} = 'EMEA'");
    expect(only(u)).toMatchObject({ code: 'unknown-member', line: lineOf(u, 'customer__regin'), hint: "did you mean 'region'?" });
    const v = MF.replace("Dimension('order__status') }} != 'cancelled'", "Dimension('status') }} != 'cancelled'");
    expect(only(v).message).toContain("'status' needs its entity, as in '<entity>__status'");
  });

  it('a natural entity without validity_params', () => {
    const t = MF.replace("      - { name: customer, type: primary, expr: customer_id }\n    dimensions:\n      - { name: region", "      - { name: customer, type: natural, expr: customer_id }\n    dimensions:\n      - { name: region");
    const r = load(t);
    const e = r.diagnostics.filter((d) => d.code === 'semantic-invalid' && d.message.includes('natural entity'));
    expect(e).toHaveLength(1);
    expect(e[0]!.line).toBe(lineOf(t, 'type: natural'));
    expect(e[0]!.hint).toContain('validity_params');
  });

  it('a measure without agg_time_dimension', () => {
    const t = MF.replace('    defaults: { agg_time_dimension: shipped_at }\n', '');
    expect(only(t)).toMatchObject({ code: 'semantic-invalid', line: lineOf(t, 'name: item_total'), message: "semantic model 'order_items': measure 'item_total' has no agg_time_dimension" });
  });

  it('non_additive_dimension: not a time dimension, unknown window grouping (MetricFlow format)', () => {
    const t = MF.replace('{ name: item_total, agg: sum, expr: amount }', '{ name: item_total, agg: sum, expr: amount, non_additive_dimension: { name: item, window_groupings: [ordr] } }');
    const r = load(t);
    const e = r.diagnostics.filter((d) => d.severity === 'error');
    expect(e.map((d) => [d.code, d.line, d.message])).toEqual([
      ['unknown-member', lineOf(t, 'non_additive_dimension'), "semantic model 'order_items': measure 'item_total': non_additive_dimension 'item' is not a time dimension of the model"],
      ['unknown-member', lineOf(t, 'non_additive_dimension'), "semantic model 'order_items': measure 'item_total': window_groupings 'ordr' is not an entity of the model"],
    ]);
    expect(e[1]!.hint).toBe("did you mean 'order'?");
  });

  it('non_additive_dimension in Strata format: unknown dimension, missing window_choice', () => {
    const strata = (na: string): string => `semantic_models:
  - name: balances
    table: s.balances
    dimensions:
      - { name: as_of, type: time }
    measures:
      - name: balance
        agg: sum
        expr: amount
        non_additive_dimension: ${na}
`;
    const a = strata('{ name: as_off, window_choice: max }');
    expect(only(a)).toMatchObject({ code: 'unknown-member', line: 10, hint: "did you mean 'as_of'?" });
    const b = strata('{ name: as_of }');
    expect(only(b)).toMatchObject({ code: 'semantic-invalid', line: 10 });
    expect(only(b).message).toContain('window_choice');
  });

  it('a rollup cannot hold a semi-additive measure', () => {
    const t = `semantic_models:
  - name: balances
    table: s.balances
    dimensions:
      - { name: as_of, type: time }
    measures:
      - { name: balance, agg: sum, expr: amount, non_additive_dimension: { name: as_of, window_choice: max } }
    rollups:
      - { name: by_month, measures: [balance], time_dimension: balances.as_of, granularity: month }
`;
    expect(only(t)).toMatchObject({ code: 'semantic-invalid', line: 9, message: "rollup 'by_month': measure 'balance' is semi-additive (non_additive_dimension), so its groups cannot be added up" });
  });

  it('a MetricFlow dimension type Strata-style, and joins: on a MetricFlow model, are schema errors at their key', () => {
    const t = MF.replace('{ name: region, type: categorical }', '{ name: region, type: string }');
    const e = only(t);
    expect(e).toMatchObject({ code: 'semantic-invalid', line: lineOf(t, '{ name: region, type: string }') });
    expect(e.message).toContain("semantic model 'customers'.dimensions[0].type");
    const j = MF.replace('    primary_entity: customer\n', '    primary_entity: customer\n    joins: []\n');
    expect(only(j)).toMatchObject({ code: 'semantic-invalid', line: lineOf(j, 'joins: []'), message: "semantic model 'customers': 'joins' belongs to Strata's format, but this model is written in MetricFlow's (it has entities, primary_entity)" });
    expect(only(j).hint).toContain('declare a foreign entity');
  });

  it('conversion metrics need a window and the same entity column in both models', () => {
    const conv = (window: string): string =>
      withMetric(`  - name: conv
    label: x
    type: conversion
    type_params:
      conversion_type_params:
        entity: customer
        base_measure: order_count
        conversion_measure: item_total
${window}`);
    const t = conv('');
    expect(only(t)).toMatchObject({ code: 'semantic-invalid', line: lineOf(t, 'conversion_type_params:'), hint: "e.g. window: '7 days'" });
    const w = conv('        window: 7 days\n').replace('{ name: customer, type: foreign, expr: customer_id }\n    dimensions:\n      - { name: shipped_at', '{ name: customer, type: foreign, expr: buyer_id }\n    dimensions:\n      - { name: shipped_at');
    expect(only(w)).toMatchObject({ code: 'semantic-invalid', line: lineOf(w, '        entity: customer'), message: "metric 'conv': entity 'customer' is column 'customer_id' in 'orders' but 'buyer_id' in 'order_items'" });
  });

  it('saved query: unknown metric and unknown group_by reference', () => {
    const t = MF.replace('metrics: [revenue, aov]', 'metrics: [revenu, aov]');
    expect(only(t)).toMatchObject({ code: 'unknown-member', line: lineOf(t, 'metrics: [revenu, aov]'), hint: "did you mean 'revenue'?" });
    const g = MF.replace('"Entity(\'customer\')"', '"Entity(\'custmer\')"');
    expect(only(g)).toMatchObject({ code: 'unknown-member', line: lineOf(g, 'group_by:'), hint: "did you mean 'customer'?" });
  });

  it('cumulative period_agg and an unparseable window are refused', () => {
    const t = withMetric(`  - name: c1
    label: x
    type: cumulative
    type_params:
      measure: order_total
      cumulative_type_params: { window: 7 days, period_agg: last }
`);
    expect(only(t)).toMatchObject({ code: 'semantic-invalid', line: lineOf(t, 'period_agg: last'), message: "metric 'c1': period_agg is not supported" });
    const w = MF.replace('window: 30 days', 'window: a month');
    expect(only(w)).toMatchObject({ code: 'semantic-invalid', line: lineOf(w, 'window: a month') });
  });

  it('fill_nulls_with is accepted with a warning (not applied)', () => {
    const t = MF.replace('type_params: { measure: order_count }', 'type_params: { measure: { name: order_count, fill_nulls_with: 0 } }');
    const r = load(t);
    expect(r.layer).toBeDefined();
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'config-ignored-key', severity: 'warning', line: lineOf(t, 'fill_nulls_with'), message: "metric 'orders': fill_nulls_with is not applied" })]);
  });

  it('metric_time in a query whose measures have different agg time dimensions', () => {
    const l = load(MF).layer!;
    const err = (() => {
      try {
        planQuery(l, parseMetricQuery({ metrics: ['revenue', 'item_revenue'], dimensions: ['metric_time.month'] }));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(QueryError);
    expect((err as QueryError).diagnostics[0]).toMatchObject({ code: 'query-invalid', message: 'metric_time is ambiguous in this query: its metrics are aggregated over different time dimensions (orders.ordered_at, order_items.shipped_at)' });
    expect(() => planQuery(l, parseMetricQuery({ dimensions: ['metric_time.month'] }))).toThrow(/metric_time needs at least one metric/);
    expect(() => planQuery(l, parseMetricQuery({ metrics: ['revenue'], dimensions: ['metric_time.hour'] }))).toThrow(/metric_time has no granularity 'hour'/);
    // A <model>.<measure> member counts like a metric.
    expect(() => planQuery(l, parseMetricQuery({ metrics: ['revenue', 'order_items.item_total'], dimensions: ['metric_time.month'] }))).toThrow(/metric_time is ambiguous.*orders\.ordered_at, order_items\.shipped_at/);
  });

  it('a semi-additive measure in a cumulative metric is refused at query time', () => {
    const t = MF.replace('{ name: order_count, agg: sum, expr: 1 }', '{ name: order_count, agg: sum, expr: 1, non_additive_dimension: { name: ordered_at } }').replace('type_params: { measure: order_total, window: 30 days }', 'type_params: { measure: order_count, window: 30 days }');
    const l = load(t).layer!;
    expect(() => planQuery(l, parseMetricQuery({ metrics: ['revenue_30d'], dimensions: ['orders.ordered_at.month'] }))).toThrow(/semi-additive measure 'orders.order_count'/);
  });
});
