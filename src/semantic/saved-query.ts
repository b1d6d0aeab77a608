/**
 * Saved queries (`layer.savedQueries`) run through the planner: a query with `saved_query: "x"`
 * is that query exactly — its metrics, its dimensions, and its `where` filters applied before
 * aggregation in every aggregation CTE (as metric filters are) — under the caller's access rules.
 * The query's own `filters` (on the saved query's members), `time_range`, `order`, `limit`,
 * `offset` and `timezone` apply on top.
 */
import { didYouMean } from '../diagnostics/index.js';
import { own } from '../shared/records.js';
import { hiddenMembers, hiddenReference, metricRefusal } from './access.js';
import { resolveMetricTime } from './metricflow-time.js';
import { QueryError, type MetricQuery } from './query.js';
import type { AccessRole, SavedQuery, SemanticLayer } from './types.js';

/** What a saved query returns: its metric and dimension members, in the order of its columns. */
export interface SavedQueryMembers {
  readonly name: string;
  readonly description: string;
  /** Metric names (result columns after the dimensions). */
  readonly metrics: readonly string[];
  /** Strata members (`sales.sold_at.month`, `customer.region`): the first result columns. */
  readonly dimensions: readonly string[];
}

/** A query with its saved query merged in, and the saved query's SQL filters (`{model}` tokens). */
export interface AppliedSavedQuery {
  readonly query: MetricQuery;
  readonly filters: readonly string[];
}

/**
 * The members of the saved query `name`; an unknown name is `query-invalid` with a did-you-mean
 * among the saved queries `role` may run (all of them when `role` is null or omitted).
 *
 * @example savedQueryMembers(layer, 'revenue_by_region_month')
 * // { name: 'revenue_by_region_month', description: 'Monthly revenue per region',
 * //   metrics: ['revenue', 'orders'], dimensions: ['sales.sold_at.month', 'customer.region'] }
 */
export function savedQueryMembers(layer: SemanticLayer, name: string, role: AccessRole | null = null): SavedQueryMembers {
  const sq = lookup(layer, name, role);
  return { name: sq.name, description: sq.description, metrics: sq.metrics, dimensions: sq.dimensions };
}

/**
 * `query` with `saved_query` merged in: its metrics and dimensions when the query's own lists are
 * empty, and its filters to apply before aggregation. The query's own `metrics` may be a subset
 * of the saved query's; its `dimensions`, when given, must be the saved query's (any order: fewer
 * would aggregate differently); its `filters` and `time_range` must name the saved query's
 * members; `segments` and `drill` are refused. A saved filter reading a hidden column is 403.
 * A query without `saved_query` is returned unchanged (the same object) with no filters.
 *
 * @example applySavedQuery(layer, { saved_query: 'emea_web_revenue', metrics: [], dimensions: [], … }, null)
 * // { query: { …, metrics: ['revenue'], dimensions: ['sales.channel'] },
 * //   filters: ["{customer}.region = 'EMEA'", "date_trunc('year', {sales}.sold_at)::date = '2024-01-01'"] }
 */
export function applySavedQuery(layer: SemanticLayer, query: MetricQuery, role: AccessRole | null): AppliedSavedQuery {
  if (query.saved_query === undefined) return { query, filters: [] };
  const sq = lookup(layer, query.saved_query, role);
  const at = `saved query '${sq.name}'`;
  const invalid = (message: string, hint?: string): never => {
    throw new QueryError('query-invalid', `${at}: ${message}`, hint);
  };
  if (query.drill) invalid('drill cannot be combined with a saved query', 'filter on the saved query\'s dimensions instead');
  if (query.segments.length) invalid('segments cannot be combined with a saved query', 'filter on the saved query\'s dimensions instead');
  const merged = resolveMetricTime(layer, {
    ...query,
    metrics: query.metrics.length ? query.metrics : [...sq.metrics],
    dimensions: query.dimensions.length ? query.dimensions : [...sq.dimensions],
  });
  for (const m of merged.metrics) {
    if (!sq.metrics.includes(m)) invalid(`it has no metric '${m}'`, didYouMean(m, sq.metrics) ?? `its metrics: ${sq.metrics.join(', ')}`);
  }
  if (query.dimensions.length) {
    const extra = merged.dimensions.find((d) => !sq.dimensions.includes(d));
    if (extra !== undefined) invalid(`it has no dimension '${extra}'`, didYouMean(extra, sq.dimensions) ?? `its dimensions: ${sq.dimensions.join(', ') || '(none)'}`);
    const missing = sq.dimensions.find((d) => !merged.dimensions.includes(d));
    if (missing !== undefined) invalid(`dimension '${missing}' cannot be left out (that would aggregate differently)`, 'leave dimensions empty to get the saved query\'s');
  }
  // A time dimension stored with a grain can be filtered by its bucket or its raw value.
  const members = [...sq.metrics, ...sq.dimensions, ...sq.dimensions.map((d) => d.split('.').slice(0, 2).join('.'))];
  for (const f of merged.filters) {
    if (!members.includes(f.member)) invalid(`a filter on '${f.member}', which it does not return`, didYouMean(f.member, members) ?? `filter on: ${[...new Set(members)].join(', ')}`);
  }
  if (merged.time_range && !members.includes(merged.time_range.dimension)) {
    invalid(`time_range on '${merged.time_range.dimension}', which it does not return`, `its dimensions: ${sq.dimensions.join(', ') || '(none)'}`);
  }
  // Its filters read columns like a segment does: a hidden one is refused.
  const hidden = hiddenMembers(layer, role);
  for (const f of sq.filters) {
    const reads = hiddenReference(layer, hidden, f);
    if (reads) throw new QueryError('access-denied', `'${reads}' is not available to role '${role!.name}'`, undefined, 403);
  }
  return { query: merged, filters: sq.filters };
}

function lookup(layer: SemanticLayer, name: string, role: AccessRole | null): SavedQuery {
  const sq = own(layer.savedQueries, name);
  if (sq) return sq;
  const names = Object.values(layer.savedQueries ?? {})
    .filter((s) => runnableBy(layer, s, role))
    .map((s) => s.name);
  throw new QueryError('query-invalid', `unknown saved query '${name}'`, didYouMean(name, names) ?? (names.length ? `saved queries: ${names.join(', ')}` : 'the semantic layer has no saved queries'));
}

/** Would `role` be allowed every member and filter of the saved query? (For suggestions only.) */
function runnableBy(layer: SemanticLayer, sq: SavedQuery, role: AccessRole | null): boolean {
  if (!role) return true;
  const hidden = hiddenMembers(layer, role);
  return (
    sq.metrics.every((m) => !metricRefusal(layer, role, m)) &&
    sq.dimensions.every((d) => !hidden.has(d.split('.').slice(0, 2).join('.'))) &&
    sq.filters.every((f) => !hiddenReference(layer, hidden, f))
  );
}
