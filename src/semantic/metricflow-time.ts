/**
 * `metric_time` in queries (MetricFlow's universal time dimension): `metric_time.month` in
 * dimensions, filters, time_range and order stands for the agg time dimension of every measure the
 * query's metrics aggregate (`orders.ordered_at.month`). The measures must share one such
 * dimension; otherwise the query is refused with the dimensions named.
 */
import { didYouMean } from '../diagnostics/index.js';
import { measuresOf } from './metricflow-metrics.js';
import { QueryError, type MetricQuery } from './query.js';
import type { SemanticLayer } from './types.js';

const METRIC_TIME = /^metric_time(?:\.([A-Za-z_]+))?$/;

/**
 * Rewrites `metric_time[.grain]` members of a query to the time dimension they stand for; a query
 * without them is returned unchanged (the same object).
 *
 * @example resolveMetricTime(layer, { metrics: ['revenue'], dimensions: ['metric_time.month'], … })
 * // { …, dimensions: ['orders.ordered_at.month'] }
 */
export function resolveMetricTime(layer: SemanticLayer, query: MetricQuery): MetricQuery {
  const uses = [
    ...query.dimensions,
    ...query.filters.map((f) => f.member),
    ...query.order.map((o) => o.member),
    ...(query.time_range ? [query.time_range.dimension] : []),
  ].some((m) => METRIC_TIME.test(m));
  if (!uses) return query;
  const dims = new Set<string>();
  for (const name of query.metrics) {
    const [mod, meas, ...rest] = name.split('.');
    // A metric, or a `<model>.<measure>` member; the planner reports anything else.
    const refs = layer.metrics[name]
      ? measuresOf(layer.metrics, name)
      : mod && meas && !rest.length && layer.models[mod]?.measures[meas]
        ? [{ model: mod, measure: meas }]
        : [];
    for (const r of refs) {
      const m = layer.models[r.model];
      const t = m?.measures[r.measure]?.aggTime ?? m?.defaultTime;
      if (!t) throw new QueryError('query-invalid', `metric_time: measure '${r.model}.${r.measure}' of metric '${name}' has no time dimension`, 'group by a dimension of its model instead');
      dims.add(`${r.model}.${t}`);
    }
  }
  if (dims.size === 0) throw new QueryError('query-invalid', 'metric_time needs at least one metric in the query (it is the time dimension of its measures)', 'add a metric, or name the time dimension, e.g. orders.ordered_at.month');
  if (dims.size > 1) {
    throw new QueryError(
      'query-invalid',
      `metric_time is ambiguous in this query: its metrics are aggregated over different time dimensions (${[...dims].join(', ')})`,
      'query metrics over the same agg time dimension together, or name a time dimension explicitly',
    );
  }
  const target = [...dims][0]!;
  const map = (member: string): string => {
    const m = METRIC_TIME.exec(member);
    if (!m) return member;
    if (m[1] !== undefined && !/^(day|week|month|quarter|year)$/.test(m[1])) {
      throw new QueryError('query-invalid', `metric_time has no granularity '${m[1]}'`, didYouMean(m[1], ['day', 'week', 'month', 'quarter', 'year']) ?? 'granularities: day, week, month, quarter, year');
    }
    return m[1] !== undefined ? `${target}.${m[1]}` : target;
  };
  return {
    ...query,
    dimensions: query.dimensions.map(map),
    filters: query.filters.map((f) => ({ ...f, member: map(f.member) })),
    order: query.order.map((o) => ({ ...o, member: map(o.member) })),
    ...(query.time_range ? { time_range: { ...query.time_range, dimension: map(query.time_range.dimension) } } : {}),
  };
}
