import { bindClaims, restrictionFor, type AccessContext } from './access.js';
import { modelTokens } from './expressions.js';
import { joinEdges, type JoinEdge } from './join-paths.js';
import { QueryError, type QueryFilter } from './query.js';
import { filterSql, inScope, q, truncate, type Params } from './sql-fragments.js';
import type { DimensionType, Granularity, Measure, Metric, SemanticLayer } from './types.js';

export interface DimRef {
  readonly member: string;
  readonly model: string;
  readonly dim: string;
  readonly grain: Granularity | undefined;
  readonly type: DimensionType;
  /** Column name inside aggregation CTEs (d0, d1, …). */
  readonly alias: string;
}

export interface Leaf {
  readonly measure: string;
  readonly alias: string;
}

/** One aggregation CTE: measures of one model, aggregated at the requested dimensions. */
export interface Group {
  readonly name: string;
  readonly model: string;
  /** Metric filters (templates with `{model}` tokens) applied before aggregation. */
  readonly filters: readonly string[];
  readonly leaves: Leaf[];
  /** Cumulative or conversion metric this group computes; null for plain aggregates. */
  readonly metric: Metric | null;
}

export interface GroupContext {
  readonly dims: readonly DimRef[];
  readonly dimFilters: readonly { readonly dim: Omit<DimRef, 'alias'>; readonly filter: QueryFilter }[];
  readonly segments: readonly { readonly model: string; readonly sql: string }[];
  readonly timeRange: { readonly dim: Omit<DimRef, 'alias'>; readonly from?: string; readonly to?: string } | undefined;
  /** The caller's role and claims; undefined = unrestricted (rollup builds, trusted CLI). */
  readonly access: AccessContext | undefined;
  readonly params: Params;
  /** Placeholder of the bound IANA zone time members are read in (`truncate`); undefined = as stored (UTC). */
  readonly timezone?: string | undefined;
}

const edgeCache = new WeakMap<SemanticLayer, Map<string, JoinEdge>>();
function edgesOf(layer: SemanticLayer): Map<string, JoinEdge> {
  let e = edgeCache.get(layer);
  if (!e) {
    e = joinEdges(layer.models);
    edgeCache.set(layer, e);
  }
  return e;
}

/**
 * SQL of one aggregation CTE (`"g1" as (…)`): the base model left-joined along its unique
 * many-to-one paths to every model the query needs, filtered, grouped by the dimensions.
 */
export function buildGroupSql(
  layer: SemanticLayer,
  g: Group,
  ctx: GroupContext,
): { sql: string; explain: { cte: string; model: string; joins: string[]; measures: string[]; kind: string } } {
  const base = g.model;
  const baseModel = layer.models[base]!;
  const p = ctx.params;
  const what = (): string => {
    const names = g.metric ? g.metric.name : g.leaves.map((l) => `${base}.${l.measure}`).join(', ');
    return names || `dimensions of ${base}`;
  };
  const { joined, joinSql, need } = joiner(layer, base, what);

  for (const d of ctx.dims) need(d.model, `dimension '${d.member}'`);
  for (const f of ctx.dimFilters) need(f.dim.model, `a filter on '${f.filter.member}'`);
  for (const f of g.filters) for (const t of modelTokens(f)) need(t, `the filter '${f}'`);
  for (const s of ctx.segments) need(s.model, `segment of '${s.model}'`);
  if (ctx.timeRange) need(ctx.timeRange.dim.model, `time_range on '${ctx.timeRange.dim.member}'`);
  // Every aggregation reads only the rows the caller's role may see (or is refused).
  const rowFilterSql = ctx.access ? restrictedBy(layer, ctx.access, base, p, need) : undefined;

  const dimExpr = (d: Omit<DimRef, 'alias'>, grain = d.grain): string =>
    truncate(inScope(layer.models[d.model]!.dimensions[d.dim]!.sql, d.model), grain, d.type === 'time' ? ctx.timezone : undefined);
  const where: string[] = [];
  for (const f of ctx.dimFilters) where.push(filterSql(dimExpr(f.dim), f.filter.op, f.filter.values, p, f.filter.member, f.dim.grain, f.dim.type === 'number'));
  for (const f of g.filters) where.push(`(${inScope(f, base)})`);
  for (const s of ctx.segments) where.push(`(${inScope(s.sql, s.model)})`);
  if (rowFilterSql) where.push(`(${rowFilterSql})`);

  const cumulative = g.metric?.type === 'cumulative' ? g.metric : undefined;
  const tdim = cumulative ? ctx.dims.find((d) => d.type === 'time') : undefined;
  if (cumulative && !tdim) {
    throw new QueryError('query-unanswerable', `cumulative metric '${cumulative.name}' needs a time dimension in the query`, `add e.g. '${base}.${baseModel.defaultTime ?? 'date'}.month' to dimensions`);
  }
  if (ctx.timeRange) {
    const t = dimExpr(ctx.timeRange.dim, undefined);
    // A cumulative metric sums from before the range: its lower bound applies after the window.
    if (ctx.timeRange.from && !cumulative) where.push(`${t} >= ${p.bind(ctx.timeRange.from)}::timestamp`);
    if (ctx.timeRange.to) where.push(`${t} < (${p.bind(ctx.timeRange.to)}::date + 1)`);
  }

  const dimSelect = ctx.dims.map((d) => `${dimExpr(d)} as ${q(d.alias)}`);
  const groupBy = ctx.dims.length ? `\n  group by ${ctx.dims.map((_d, i) => i + 1).join(', ')}` : '';
  const fromSql = `from ${baseModel.from} as ${q(base)}${joinSql.length ? `\n  ${joinSql.join('\n  ')}` : ''}`;
  const whereSql = where.length ? `\n  where ${where.join('\n    and ')}` : '';
  const explain = { cte: g.name, model: base, joins: [...joined], measures: g.leaves.map((l) => l.measure), kind: g.metric?.type ?? 'aggregate' };

  if (g.metric?.type === 'conversion') {
    const m = g.metric;
    const conv = layer.models[m.conversion.model]!;
    const baseTime = inScope(baseModel.dimensions[baseModel.defaultTime!]!.sql, base);
    const convName = m.conversion.model;
    const convTime = inScope(conv.dimensions[conv.defaultTime!]!.sql, convName);
    // The conversion events are restricted like any aggregation (joins inside the subquery).
    const inner = joiner(layer, convName, () => `conversion events of ${m.name}`);
    const convFilter = ctx.access ? restrictedBy(layer, ctx.access, convName, p, inner.need) : undefined;
    const events =
      `${q(`${g.name}_events`)} as (\n  select ${[...dimSelect, `${q(base)}.${q(m.entity)} as "__entity"`, `${baseTime} as "__at"`].join(', ')}\n  ${fromSql}${whereSql}\n)`;
    const dimCols = ctx.dims.map((d) => `"ev".${q(d.alias)}`);
    const converted =
      `exists (select 1 from ${conv.from} as ${q(convName)}${inner.joinSql.map((j) => ` ${j}`).join('')} where ${q(convName)}.${q(m.entity)} = "ev"."__entity"` +
      ` and ${convTime} > "ev"."__at" and ${convTime} <= "ev"."__at" + interval '${m.window}'${convFilter ? ` and (${convFilter})` : ''})`;
    const agg =
      `${q(g.name)} as (\n  select ${[...dimCols.map((c, i) => `${c} as ${q(ctx.dims[i]!.alias)}`), 'count(*) as "base_events"', `count(*) filter (where ${converted}) as "conversions"`].join(', ')}\n  from ${q(`${g.name}_events`)} as "ev"${groupBy}\n)`;
    return { sql: `${events},\n${agg}`, explain };
  }

  const measures = g.leaves.map((l) => `${aggregate(layer, base, l.measure, cumulative !== undefined)} as ${q(l.alias)}`);
  if (!cumulative && g.leaves.some((l) => baseModel.measures[l.measure]?.nonAdditive)) {
    return { sql: `${q(g.name)} as (\n  ${semiAdditiveBody(layer, g, ctx.dims, dimSelect, dimExpr, `${fromSql}${whereSql}`, groupBy)}\n)`, explain: { ...explain, kind: 'semi_additive' } };
  }
  const body = `select ${[...dimSelect, ...measures].join(', ')}\n  ${fromSql}${whereSql}${groupBy}`;
  if (!cumulative || !tdim) return { sql: `${q(g.name)} as (\n  ${body}\n)`, explain };

  // Cumulative: aggregate per time grain first, then a running window over the grains.
  const others = ctx.dims.filter((d) => d !== tdim).map((d) => q(d.alias));
  const t = q(tdim.alias);
  const partition = [...others, ...(cumulative.grainToDate ? [`date_trunc('${cumulative.grainToDate}', ${t})`] : [])];
  const frame = cumulative.window
    ? // A 7-day window is the current period and the 6 days before it (trailing, end inclusive).
      `range between interval '${cumulative.window}' - interval '1 microsecond' preceding and current row`
    : 'rows between unbounded preceding and current row';
  const windowed = g.leaves.map(
    (l) => `sum(${q(l.alias)}) over (${partition.length ? `partition by ${partition.join(', ')} ` : ''}order by ${t} ${frame}) as ${q(l.alias)}`,
  );
  const lower = ctx.timeRange?.from ? `\n  where ${t} >= ${p.bind(ctx.timeRange.from)}::timestamp` : '';
  const sql =
    `${q(`${g.name}_grain`)} as (\n  ${body}\n),\n` +
    `${q(g.name)} as (\n  select * from (select ${[...ctx.dims.map((d) => q(d.alias)), ...windowed].join(', ')} from ${q(`${g.name}_grain`)}) as "w"${lower}\n)`;
  return { sql, explain };
}

/**
 * A group with semi-additive measures (`non_additive_dimension`): the rows (joined, filtered,
 * restricted exactly like any group) get, per semi-additive measure, the max (or min) of its
 * non-additive dimension over a window partitioned by the query's time members and the measure's
 * window_groupings; the measure then aggregates only the rows at that value. Without a time
 * member the window is the whole filtered range. Other measures of the group aggregate all rows.
 */
function semiAdditiveBody(
  layer: SemanticLayer,
  g: Group,
  dims: readonly DimRef[],
  dimSelect: readonly string[],
  dimExpr: (d: Omit<DimRef, 'alias'>) => string,
  fromWhere: string,
  groupBy: string,
): string {
  const base = g.model;
  const model = layer.models[base]!;
  const buckets = dims.filter((d) => d.type === 'time').map((d) => dimExpr(d));
  const inner: string[] = [...dimSelect];
  const outer: string[] = [];
  g.leaves.forEach((l, i) => {
    const m = model.measures[l.measure];
    const v = `"__v${i}"`;
    inner.push(`${!m || m.sql === '*' ? '1' : inScope(m.sql, base)} as ${v}`);
    let cond = '';
    const na = m?.nonAdditive;
    if (na) {
      const t = inScope(model.dimensions[na.dimension]!.sql, base);
      const partition = [...buckets, ...na.windowGroupings.map((w) => inScope(model.dimensions[w]!.sql, base))];
      inner.push(`${t} as "__t${i}"`, `${na.windowChoice}(${t}) over (${partition.length ? `partition by ${partition.join(', ')}` : ''}) as "__x${i}"`);
      cond = ` filter (where "r"."__t${i}" = "r"."__x${i}")`;
    }
    outer.push(`${aggregateOver(m ? m : { agg: 'count', percentile: null }, `"r".${v}`)}${cond} as ${q(l.alias)}`);
  });
  const dimCols = dims.map((d) => `"r".${q(d.alias)}`);
  return `select ${[...dimCols, ...outer].join(', ')}\n  from (\n    select ${inner.join(', ')}\n    ${fromWhere.replace(/\n/g, '\n  ')}\n  ) as "r"${groupBy}`;
}

/** The aggregate of a measure's kind over an expression. */
function aggregateOver(m: Pick<Measure, 'agg' | 'percentile'>, x: string): string {
  switch (m.agg) {
    case 'sum':
      return `sum(${x})`;
    case 'count':
      return `count(${x})`;
    case 'count_distinct':
      return `count(distinct ${x})`;
    case 'avg':
      return `avg(${x})`;
    case 'min':
      return `min(${x})`;
    case 'max':
      return `max(${x})`;
    case 'median':
    case 'percentile': {
      const p = m.percentile ?? { fraction: 0.5, discrete: false };
      return `${p.discrete ? 'percentile_disc' : 'percentile_cont'}(${Number(p.fraction)}) within group (order by ${x})`;
    }
  }
}

function aggregate(layer: SemanticLayer, model: string, measure: string, cumulative: boolean): string {
  const m = layer.models[model]!.measures[measure];
  if (!m) return 'count(*)'; // the implicit `<model>.count`
  if (cumulative && m.agg !== 'sum' && m.agg !== 'count') {
    throw new QueryError('query-unanswerable', `a cumulative metric over '${model}.${measure}' (${m.agg}) cannot be computed by adding up periods`, 'use a sum or count measure');
  }
  if (cumulative && m.nonAdditive) {
    throw new QueryError('query-unanswerable', `a cumulative metric over the semi-additive measure '${model}.${measure}' cannot be computed by adding up periods`, `query '${model}.${measure}' through a simple metric`);
  }
  const x = m.sql === '*' ? '*' : inScope(m.sql, model);
  return aggregateOver(m, x);
}

/**
 * Left joins from `base` along its unique many-to-one paths, added as models are needed; a model
 * that cannot be reached without fan-out makes the query unanswerable.
 */
function joiner(layer: SemanticLayer, base: string, what: () => string): { joined: string[]; joinSql: string[]; need: (model: string, reason: string) => void } {
  const joined: string[] = [];
  const joinSql: string[] = [];
  const need = (model: string, reason: string): void => {
    if (model === base || joined.includes(model)) return;
    const path = layer.paths[base]?.[model];
    if (!path) {
      throw new QueryError(
        'query-unanswerable',
        `cannot combine ${what()} (measured on '${base}') with ${reason}: there is no many-to-one join path from '${base}' to '${model}', so joining would repeat '${base}' rows and inflate the numbers`,
        `query them separately, or declare a many_to_one join from '${base}' towards '${model}'`,
      );
    }
    let prev = base;
    for (const hop of path) {
      if (!joined.includes(hop)) {
        const edge = edgesOf(layer).get(`${prev}->${hop}`)!;
        joined.push(hop);
        joinSql.push(`left join ${layer.models[hop]!.from} as ${q(hop)} on ${inScope(edge.on, hop)}`);
      }
      prev = hop;
    }
  };
  return { joined, joinSql, need };
}

/** The role's restriction of `model` as SQL with bound claims (joins added), or undefined. */
function restrictedBy(layer: SemanticLayer, access: AccessContext, model: string, p: Params, need: (model: string, reason: string) => void): string | undefined {
  const template = restrictionFor(layer, access.role, model);
  if (template === null) return undefined;
  for (const m of modelTokens(template)) need(m, `the row filter of role '${access.role.name}'`);
  return inScope(bindClaims(template, access.user, access.role.name, p), '');
}
