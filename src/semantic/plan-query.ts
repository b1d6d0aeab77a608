import { didYouMean } from '../diagnostics/index.js';
import { hiddenMembers, hiddenReference, metricRefusal, type AccessContext } from './access.js';
import { substituteIdentifiers } from './expressions.js';
import { checkDimensionMember } from './load.js';
import { QueryError, queryTimeZone, type MetricQuery, type QueryFilter } from './query.js';
import { measureMetric } from './members.js';
import { buildGroupSql, type DimRef, type Group, type Leaf } from './plan-group.js';
import { resolveMetricTime } from './metricflow-time.js';
import { applySavedQuery } from './saved-query.js';
import { Params, filterSql, q } from './sql-fragments.js';
import { planFromRollups, type BuiltRollups } from './rollup-plan.js';
import { checkFilterValues, checkRangeValue } from './value-check.js';
import type { AccessRole, Granularity, Metric, SemanticLayer } from './types.js';

export { measureMetric, metricOrMeasure } from './members.js';
export { savedQueryMembers, type SavedQueryMembers } from './saved-query.js';

/** Who is asking: the verified token's role and its other claims. */
export interface SecurityContext {
  /** null = unrestricted (no access policy, or a trusted CLI caller). */
  readonly role: AccessRole | null;
  readonly user: Readonly<Record<string, unknown>>;
}

export interface PlannedQuery {
  readonly sql: string;
  readonly params: readonly unknown[];
  readonly columns: readonly { readonly name: string; readonly type: 'string' | 'number' | 'boolean' | 'time' }[];
  /** What the planner decided, for `--explain`: one entry per aggregation CTE. */
  readonly plan: readonly { readonly cte: string; readonly model: string; readonly joins: readonly string[]; readonly measures: readonly string[]; readonly kind: string }[];
  /** Set for drill queries: the level returned. */
  readonly drill?: { readonly hierarchy: string; readonly level: string; readonly depth: number; readonly isLeaf: boolean };
  /** The rollup the SQL reads instead of the fact table, when one answers exactly. */
  readonly rollup?: string;
}

export interface PlanOptions {
  /** Rollups built in the warehouse (name → relation); the planner picks one when exact. */
  readonly rollups?: BuiltRollups;
}

const UNRESTRICTED: SecurityContext = { role: null, user: {} };

/**
 * Plans a metric query into one SQL statement with bound parameters. Measures are aggregated at
 * their own model's grain, joining only along many-to-one paths, so a join can never multiply a
 * measure; results of different models are combined afterwards on the requested dimensions.
 * Access rules (row filters, hidden members) are enforced here, not by callers.
 *
 * @example
 * planQuery(layer, { metrics: ['revenue'], dimensions: ['customer.region'], filters: [], segments: [], order: [] })
 * // with "g1" as (select "customer"."region" as "d0", sum("sales"."amount") as "m0"
 * //   from "db"."gold"."fact_sales" as "sales" left join "db"."gold"."dim_customer" as "customer" on …
 * //   group by 1) select "g1"."d0" as "customer.region", "g1"."m0" as "revenue" from "g1"
 */
export function planQuery(layer: SemanticLayer, input: MetricQuery, security: SecurityContext = UNRESTRICTED, options: PlanOptions = {}): PlannedQuery {
  const p = new Params();
  // A saved query: its members merged in, its filters applied in every aggregation below.
  const saved = applySavedQuery(layer, input, security.role);
  const { query, drill } = expandDrill(layer, resolveMetricTime(layer, saved.query));
  const hidden = hiddenMembers(layer, security.role);
  const deny = (member: string): never => {
    throw new QueryError('access-denied', `'${member}' is not available to role '${security.role!.name}'`, undefined, 403);
  };

  // Dimensions.
  const dims: DimRef[] = query.dimensions.map((member, i) => {
    const d = resolveDimension(layer, member, hidden, deny);
    return { ...d, alias: `d${i}` };
  });
  if (new Set(query.dimensions).size !== query.dimensions.length) {
    throw new QueryError('query-invalid', 'a dimension is listed twice');
  }

  // Metrics → leaves grouped into aggregation CTEs.
  if (query.metrics.length === 0 && dims.length === 0) {
    throw new QueryError('query-invalid', 'ask for at least one metric or dimension', 'e.g. {"metrics": ["revenue"], "dimensions": ["customer.region"]}');
  }
  const groups: Group[] = [];
  const groupByKey = new Map<string, Group>();
  const leafFor = (metric: Metric, filters: readonly string[]): Leaf => {
    if (metric.type !== 'simple' && metric.type !== 'cumulative' && metric.type !== 'conversion') throw new Error('not a leaf');
    const allFilters = metric.filter ? [...filters, metric.filter] : [...filters];
    const kind = metric.type === 'conversion' ? `conversion:${metric.name}` : metric.type === 'cumulative' ? `cumulative:${metric.window ?? ''}:${metric.grainToDate ?? ''}` : 'plain';
    const model = metric.type === 'conversion' ? metric.base.model : metric.measure.model;
    const key = `${model}|${kind}|${allFilters.join('\u0000')}`;
    let g = groupByKey.get(key);
    if (!g) {
      g = { name: `g${groups.length + 1}`, model, filters: allFilters, leaves: [], metric: metric.type === 'simple' ? null : metric };
      groups.push(g);
      groupByKey.set(key, g);
    }
    const measure = metric.type === 'conversion' ? '__conversion' : metric.measure.measure;
    let leaf = g.leaves.find((l) => l.measure === measure);
    if (!leaf) {
      leaf = { measure, alias: `m${g.leaves.length}` };
      g.leaves.push(leaf);
    }
    return leaf;
  };
  const exprCache = new Map<string, string>();
  const metricSql = (name: string, filters: readonly string[], stack: readonly string[]): string => {
    // A metric by name, else a measure named `<model>.<measure>` (the measure aggregated as is).
    const metric = layer.metrics[name] ?? measureMetric(layer, name);
    if (!metric) {
      throw new QueryError('query-invalid', `unknown metric '${name}'`, didYouMean(name, visibleMetrics(layer, hidden)) ?? `metrics: ${visibleMetrics(layer, hidden).join(', ')}`);
    }
    const refused = metricRefusal(layer, security.role, name);
    if (refused) deny(refused);
    const cacheKey = `${name}|${filters.join('\u0000')}`;
    const cached = exprCache.get(cacheKey);
    if (cached) return cached;
    if (stack.includes(name)) throw new Error(`metric cycle through ${name}`);
    let sql: string;
    switch (metric.type) {
      case 'simple':
      case 'cumulative': {
        const member = `${metric.measure.model}.${metric.measure.measure}`;
        if (hidden.has(member)) deny(member);
        const leaf = leafFor(metric, filters);
        sql = colToken(groupOf(groups, leaf), leaf.alias);
        break;
      }
      case 'conversion': {
        for (const m of [metric.base, metric.conversion]) if (hidden.has(`${m.model}.${m.measure}`)) deny(`${m.model}.${m.measure}`);
        const leaf = leafFor(metric, filters);
        const g = groupOf(groups, leaf);
        sql =
          metric.calculation === 'conversions'
            ? colToken(g, 'conversions')
            : `cast(${colToken(g, 'conversions')} as double precision) / nullif(${colToken(g, 'base_events')}, 0)`;
        break;
      }
      case 'ratio': {
        const inner = metric.filter ? [...filters, metric.filter] : filters;
        const num = metricSql(metric.numerator, inner, [...stack, name]);
        const den = metricSql(metric.denominator, inner, [...stack, name]);
        sql = `cast(${num} as double precision) / nullif(${den}, 0)`;
        break;
      }
      case 'derived': {
        const inner = metric.filter ? [...filters, metric.filter] : filters;
        const parts = new Map(metric.metrics.map((m) => [m, metricSql(m, inner, [...stack, name])]));
        sql = `(${substituteIdentifiers(metric.expr, (w) => (parts.has(w) ? `(${parts.get(w)})` : undefined))})`;
        break;
      }
    }
    exprCache.set(cacheKey, sql);
    return sql;
  };
  const metricExprs = query.metrics.map((m) => metricSql(m, saved.filters, []));
  if (new Set(query.metrics).size !== query.metrics.length) throw new QueryError('query-invalid', 'a metric is listed twice');

  // Query filters: on dimensions (before aggregation) or on metrics (after).
  const dimFilters: { dim: DimRef; filter: QueryFilter }[] = [];
  const metricFilters: { sql: string; filter: QueryFilter }[] = [];
  for (const f of query.filters) {
    if (layer.metrics[f.member] || isMeasureFilter(layer, query, f.member)) {
      checkFilterValues(f.member, 'metric', undefined, f.op, f.values);
      const idx = query.metrics.indexOf(f.member);
      metricFilters.push({ sql: idx >= 0 ? metricExprs[idx]! : metricSql(f.member, saved.filters, []), filter: f });
    } else {
      const dim = resolveDimension(layer, f.member, hidden, deny);
      checkFilterValues(f.member, dim.type, dim.grain, f.op, f.values);
      dimFilters.push({ dim: { ...dim, alias: '' }, filter: f });
    }
  }
  const segments = query.segments.map((s) => {
    const [mod, seg] = s.split('.');
    const filter = mod && seg ? layer.models[mod]?.segments[seg] : undefined;
    if (!filter) throw new QueryError('query-invalid', `unknown segment '${s}'`, 'write <semantic_model>.<segment>');
    // A segment over a hidden column would filter by it.
    if (hidden.has(s)) deny(s);
    const reads = hiddenReference(layer, hidden, filter.filter);
    if (reads) deny(reads);
    return { model: mod!, sql: filter.filter };
  });
  let timeRange: { dim: DimRef; from?: string; to?: string } | undefined;
  if (query.time_range) {
    const d = resolveDimension(layer, query.time_range.dimension, hidden, deny);
    if (d.type !== 'time') throw new QueryError('query-invalid', `time_range dimension '${query.time_range.dimension}' is not a time dimension`);
    checkRangeValue('from', query.time_range.from);
    checkRangeValue('to', query.time_range.to);
    timeRange = {
      dim: { ...d, grain: undefined, alias: '' },
      ...(query.time_range.from ? { from: query.time_range.from } : {}),
      ...(query.time_range.to ? { to: query.time_range.to } : {}),
    };
  }
  const access: AccessContext | undefined = security.role ? { role: security.role, user: security.user } : undefined;
  // Time members are read in the query's zone (bound once, and only when some SQL uses it).
  const zone = queryTimeZone(query.timezone);
  const usesTime = dims.some((d) => d.type === 'time') || dimFilters.some((f) => f.dim.type === 'time') || timeRange !== undefined;
  const timezone = zone !== undefined && usesTime ? p.bind(zone) : undefined;

  // Aggregation CTEs.
  const ctes = groups.map((g) =>
    buildGroupSql(layer, g, { dims, dimFilters, segments, timeRange, access, params: p, timezone }),
  );

  // Combine groups on the dimension columns. Each group has one row per dimension tuple, so a
  // UNION ALL + GROUP BY merges them (NULL dimension values match, and it hashes, unlike a
  // FULL JOIN on IS NOT DISTINCT FROM).
  if (groups.length === 0) {
    // Dimensions only: distinct values from the dimensions' own model.
    const g: Group = { name: 'g1', model: dims[0]!.model, filters: saved.filters, leaves: [], metric: null };
    ctes.push(buildGroupSql(layer, g, { dims, dimFilters, segments, timeRange, access, params: p, timezone }));
    groups.push(g);
  }
  let from: string;
  let resolveCol: (g: string, c: string) => string;
  let dimCol: (d: DimRef) => string;
  if (groups.length === 1) {
    from = q(groups[0]!.name);
    resolveCol = (g, c) => `${q(g)}.${q(c)}`;
    dimCol = (d) => `${q(groups[0]!.name)}.${q(d.alias)}`;
  } else if (dims.length === 0) {
    from = groups.map((g) => q(g.name)).join(' cross join ');
    resolveCol = (g, c) => `${q(g)}.${q(c)}`;
    dimCol = () => 'null';
  } else {
    // Each group gets a text key of its dimension tuple (NULLs included), so groups combine with
    // hash joins; FULL JOIN ... IS NOT DISTINCT FROM is neither hash- nor merge-joinable.
    const dcols = dims.map((d) => q(d.alias)).join(', ');
    for (const g of groups) {
      ctes.push({ sql: `${q(`${g.name}k`)} as (select *, json_build_array(${dcols})::text as "__k" from ${q(g.name)})`, explain: { cte: `${g.name}k`, model: g.model, joins: [], measures: [], kind: 'key' } });
    }
    const union = groups.map((g) => `select "__k", ${dcols} from ${q(`${g.name}k`)}`).join(' union all ');
    ctes.push({ sql: `"keys" as (select distinct "__k", ${dcols} from (${union}) as "u")`, explain: { cte: 'keys', model: '', joins: [], measures: [], kind: 'combine' } });
    from = `"keys"${groups.map((g) => ` left join ${q(`${g.name}k`)} on ${q(`${g.name}k`)}."__k" = "keys"."__k"`).join('')}`;
    resolveCol = (g, c) => `${q(`${g}k`)}.${q(c)}`;
    dimCol = (d) => `"keys".${q(d.alias)}`;
  }
  const resolve = (sqlText: string): string => sqlText.replace(/\u0001([^.\u0001]+)\.([^\u0001]+)\u0001/g, (_m, g: string, c: string) => resolveCol(g, c));
  const select = [
    ...dims.map((d) => `${dimCol(d)} as ${q(d.member)}`),
    ...query.metrics.map((m, i) => `${resolve(metricExprs[i]!)} as ${q(m)}`),
  ];
  let sql = `with ${ctes.map((c) => c.sql).join(',\n')}\nselect ${select.join(', ')}\nfrom ${from}`;
  if (metricFilters.length) {
    // Metric expressions read the aggregated CTE columns, so they filter the final rows directly.
    sql += `\nwhere ${metricFilters.map((m) => resolve(filterOnExpr(m.sql, m.filter, p))).join(' and ')}`;
  }
  const order = query.order.map((o) => {
    if (!query.metrics.includes(o.member) && !query.dimensions.includes(o.member)) {
      throw new QueryError('query-invalid', `order by '${o.member}': only requested metrics and dimensions can order the result`, didYouMean(o.member, [...query.metrics, ...query.dimensions]));
    }
    return `${q(o.member)} ${o.desc ? 'desc' : 'asc'} nulls ${o.nulls_first ? 'first' : 'last'}`;
  });
  // Deterministic output, so pages (limit/offset) never overlap: the requested order, then the
  // dimensions it does not name (one row per dimension tuple, so that order is total).
  order.push(...tieBreakers(query));
  if (order.length) sql += `\norder by ${order.join(', ')}`;
  if (query.limit !== undefined) sql += `\nlimit ${p.bind(query.limit)}`;
  if (query.offset) sql += `\noffset ${p.bind(query.offset)}`;
  // The fact-table plan above has validated the query and its access; a rollup only changes
  // where the numbers are read from.
  const fromRollup = options.rollups && Object.keys(options.rollups).length && !saved.filters.length ? planFromRollups(layer, query, access, options.rollups) : undefined;
  if (fromRollup) {
    return {
      sql: fromRollup.sql,
      params: fromRollup.params,
      columns: [
        ...dims.map((d) => ({ name: d.member, type: d.grain ? ('time' as const) : d.type })),
        ...query.metrics.map((m) => ({ name: m, type: 'number' as const })),
      ],
      plan: [{ cte: 'rollup', model: layer.rollups![fromRollup.rollup]!.model, joins: [], measures: layer.rollups![fromRollup.rollup]!.measures, kind: `rollup:${fromRollup.rollup}` }],
      rollup: fromRollup.rollup,
      ...(drill ? { drill } : {}),
    };
  }
  return {
    sql,
    params: p.values,
    columns: [
      ...dims.map((d) => ({ name: d.member, type: d.grain ? ('time' as const) : d.type })),
      ...query.metrics.map((m) => ({ name: m, type: 'number' as const })),
    ],
    plan: ctes.map((c) => c.explain),
    ...(drill ? { drill } : {}),
  };
}

/**
 * The row count of a query ignoring its `limit` and `offset` (Cube's `total`): the same plan —
 * access rules, row filters, rollup choice — counted. `{sql, params}` returns one row with the
 * column `total` (a bigint).
 *
 * @example planTotal(layer, { metrics: ['revenue'], dimensions: ['customer.region'], limit: 2, … })
 * // { sql: 'select count(*) as "total" from (with "g1" as (…) select … ) as "q"', params: [] }
 */
export function planTotal(layer: SemanticLayer, query: MetricQuery, security: SecurityContext = UNRESTRICTED, options: PlanOptions = {}): { sql: string; params: readonly unknown[] } {
  const { limit: _limit, offset: _offset, ...rest } = query;
  // Order only matters for pages; the count is the same without it.
  const plan = planQuery(layer, { ...rest, order: [] }, security, options);
  return { sql: `select count(*) as "total" from (\n${plan.sql}\n) as "q"`, params: plan.params };
}

/** `order by` entries after the requested ones: every dimension they do not name. */
export function tieBreakers(query: MetricQuery): string[] {
  const named = new Set(query.order.map((o) => o.member));
  return query.dimensions.filter((d) => !named.has(d)).map((d) => `${q(d)} asc nulls last`);
}

/**
 * Does a filter on `member` filter a measure's aggregate (like a metric filter)? When the query
 * asks for the measure (`metrics: ['sales.revenue']`), or when no dimension has that name.
 */
function isMeasureFilter(layer: SemanticLayer, query: MetricQuery, member: string): boolean {
  if (!measureMetric(layer, member)) return false;
  if (query.metrics.includes(member)) return true;
  const [model, dim] = member.split('.') as [string, string];
  return !Object.hasOwn(layer.models[model]!.dimensions, dim);
}

/** Placeholder for an aggregated column; resolved once the number of groups is known. */
function colToken(group: string, column: string): string {
  return `\u0001${group}.${column}\u0001`;
}

function groupOf(groups: readonly Group[], leaf: Leaf): string {
  return groups.find((g) => g.leaves.includes(leaf))!.name;
}

function visibleMetrics(layer: SemanticLayer, hidden: ReadonlySet<string>): string[] {
  return Object.keys(layer.metrics).filter((m) => !hidden.has(m));
}

/** A filter on a metric applies to its aggregated value (a HAVING, in effect). */
function filterOnExpr(expr: string, f: QueryFilter, p: Params): string {
  return filterSql(expr, f.op, f.values, p, f.member, undefined, true);
}

/** `customer.region` / `sales.sold_at.month` → where it lives, with access checks. */
export function resolveDimension(
  layer: SemanticLayer,
  member: string,
  hidden: ReadonlySet<string>,
  deny: (member: string) => never,
): Omit<DimRef, 'alias'> {
  const problem = checkDimensionMember(layer.models, member);
  if (problem) throw new QueryError('query-invalid', problem.message, problem.hint);
  const [model, dim, grain] = member.split('.') as [string, string, Granularity | undefined];
  if (hidden.has(`${model}.${dim}`)) deny(`${model}.${dim}`);
  const d = layer.models[model]!.dimensions[dim]!;
  return { member, model, dim, grain, type: d.type };
}

/** A drill request becomes an ordinary query for the next hierarchy level under the path. */
function expandDrill(layer: SemanticLayer, query: MetricQuery): { query: MetricQuery; drill?: PlannedQuery['drill'] } {
  if (!query.drill) return { query };
  const h = layer.hierarchies[query.drill.hierarchy];
  if (!h) {
    throw new QueryError('query-invalid', `unknown hierarchy '${query.drill.hierarchy}'`, didYouMean(query.drill.hierarchy, Object.keys(layer.hierarchies)) ?? `hierarchies: ${Object.keys(layer.hierarchies).join(', ')}`);
  }
  const keys = Object.keys(query.drill.path);
  const depth = keys.length;
  const expected = h.levels.slice(0, depth);
  if (keys.some((k) => !expected.includes(k))) {
    throw new QueryError('query-invalid', `drill path of '${h.name}' must name its first ${depth} level(s): ${expected.join(', ')}`);
  }
  if (depth >= h.levels.length) {
    throw new QueryError('query-invalid', `'${h.name}' has no level below ${h.levels[h.levels.length - 1]}`);
  }
  const level = h.levels[depth]!;
  const filters: QueryFilter[] = [
    ...query.filters,
    ...keys.map((k) => ({ member: k, op: 'equals' as const, values: [query.drill!.path[k]!] })),
  ];
  return {
    query: { ...query, dimensions: [...query.dimensions.filter((d) => d !== level), level], filters },
    drill: { hierarchy: h.name, level, depth, isLeaf: depth === h.levels.length - 1 },
  };
}
