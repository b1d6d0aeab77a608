import { bindClaims, restrictionFor, type AccessContext } from './access.js';
import { substituteIdentifiers } from './expressions.js';
import { measureMetric } from './members.js';
import type { MetricQuery } from './query.js';
import { QueryError, queryTimeZone } from './query.js';
import { filterSql, Params, q } from './sql-fragments.js';
import { GRANULARITIES, type Granularity, type Rollup, type SemanticLayer } from './types.js';

/** Built rollups the planner may read: rollup name → quoted relation (`"s"."rollup_x"`). */
export type BuiltRollups = Readonly<Record<string, string>>;

/** Planned rollup query; the same column names and order as the fact-table plan. */
export interface RollupPlan {
  readonly rollup: string;
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** Each granularity divides into the coarser ones (a week does not fit into months). */
const COARSER: Readonly<Record<Granularity, readonly Granularity[]>> = {
  day: ['day', 'week', 'month', 'quarter', 'year'],
  week: ['week'],
  month: ['month', 'quarter', 'year'],
  quarter: ['quarter', 'year'],
  year: ['year'],
};

/**
 * Tries every built rollup and returns a plan for the first one that answers the (already
 * validated and access-checked) query exactly: every metric made of additive measures of the
 * rollup's model (sum, count, min, max; count_distinct only at the rollup's own grain, never
 * re-aggregated), dimensions a subset, time at the same or a coarser granularity, filters,
 * segments, time ranges and the role's row filter expressible over stored columns.
 * Returns undefined when no rollup answers exactly.
 *
 * @example
 * planFromRollups(layer, { metrics: ['revenue'], dimensions: ['customer.region'], … }, access, { by_region_month: '"s"."rollup_by_region_month"' })
 * // { rollup: 'by_region_month', sql: 'select "r"."d0" as "customer.region", sum("r"."m0") as "revenue" from … group by 1 …' }
 */
export function planFromRollups(layer: SemanticLayer, query: MetricQuery, access: AccessContext | undefined, built: BuiltRollups): RollupPlan | undefined {
  const candidates = Object.values(layer.rollups ?? {})
    .filter((r) => built[r.name])
    // Smallest first: fewer dimensions and coarser time mean fewer rows to read.
    .sort((a, b) => a.dimensions.length - b.dimensions.length || grainRank(b.granularity) - grainRank(a.granularity) || a.name.localeCompare(b.name));
  for (const r of candidates) {
    const plan = tryRollup(layer, query, access, r, built[r.name]!);
    if (plan) return plan;
  }
  return undefined;
}

function grainRank(g: Granularity | null): number {
  return g ? GRANULARITIES.indexOf(g) : 99;
}

/** Thrown inside tryRollup to say "this rollup cannot answer"; never escapes. */
class NoMatch extends Error {}
const no = (): never => {
  throw new NoMatch();
};

function tryRollup(layer: SemanticLayer, query: MetricQuery, access: AccessContext | undefined, r: Rollup, relation: string): RollupPlan | undefined {
  try {
    return buildRollupSql(layer, query, access, r, relation);
  } catch (e) {
    if (e instanceof NoMatch) return undefined;
    throw e;
  }
}

function buildRollupSql(layer: SemanticLayer, query: MetricQuery, access: AccessContext | undefined, r: Rollup, relation: string): RollupPlan {
  if (query.metrics.length === 0) no();
  const p = new Params();
  const model = layer.models[r.model]!;
  const col = (c: string): string => `"r".${q(c)}`;
  const [tModel, tDim] = r.timeDimension ? (r.timeDimension.split('.') as [string, string]) : [undefined, undefined];

  /** A dimension member → its expression over the rollup, or no match. */
  const member = (m: string): { sql: string; grain?: Granularity; numeric?: boolean } => {
    const [mod, dim, grain] = m.split('.') as [string, string, Granularity | undefined];
    const i = r.dimensions.indexOf(`${mod}.${dim}`);
    if (i >= 0 && grain === undefined) return { sql: col(`d${i}`), numeric: layer.models[mod]!.dimensions[dim]!.type === 'number' };
    if (mod === tModel && dim === tDim && grain && r.granularity && COARSER[r.granularity].includes(grain)) {
      return { sql: grain === r.granularity ? col('t') : `date_trunc('${grain}', ${col('t')}::timestamp)::date`, grain };
    }
    return no();
  };
  /** `{customer}.region = …` → `"r"."d0" = …` when every column reference is a stored dimension. */
  const mapTemplate = (template: string): string => {
    const mapped = template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}\.("?)([A-Za-z_][A-Za-z0-9_]*)\2/g, (_m, mod: string, _qt: string, column: string) => {
      const i = r.dimensions.findIndex((d) => {
        const [dm, dn] = d.split('.') as [string, string];
        return dm === mod && layer.models[dm]!.dimensions[dn]!.expr.trim() === column;
      });
      return i >= 0 ? col(`d${i}`) : no();
    });
    if (/\{[A-Za-z_][A-Za-z0-9_]*\}/.test(mapped)) no();
    return mapped;
  };

  // Metrics: leaves are (measure, filters) pairs over the rollup's measure columns.
  const filterSets: string[] = [];
  let distinctLeaf = false;
  const leaf = (measureModel: string, measure: string, filters: readonly string[]): string => {
    if (measureModel !== r.model) no();
    const j = r.measures.indexOf(measure);
    if (j < 0) no();
    const agg = model.measures[measure]?.agg ?? 'count';
    const mapped = filters.map(mapTemplate);
    const where = mapped.length ? ` filter (where ${mapped.map((f) => `(${f})`).join(' and ')})` : '';
    const key = mapped.join(' and ');
    if (!filterSets.includes(key)) filterSets.push(key);
    const c = col(`m${j}`);
    switch (agg) {
      case 'sum':
        return `sum(${c})${where}`;
      case 'count':
        // count(*) over no rows is 0 in the fact-table plan too, but only without dimensions.
        return query.dimensions.length === 0 ? `coalesce(sum(${c})${where}, 0)` : `sum(${c})${where}`;
      case 'min':
        return `min(${c})${where}`;
      case 'max':
        return `max(${c})${where}`;
      case 'count_distinct':
        distinctLeaf = true;
        return `max(${c})${where}`;
      case 'avg':
      case 'median':
      case 'percentile':
        return no();
    }
  };
  const metricSql = (name: string, filters: readonly string[]): string => {
    const m = layer.metrics[name] ?? measureMetric(layer, name) ?? no();
    const inner = m.filter ? [...filters, m.filter] : filters;
    switch (m.type) {
      case 'simple':
        return leaf(m.measure.model, m.measure.measure, inner);
      case 'ratio':
        return `cast(${metricSql(m.numerator, inner)} as double precision) / nullif(${metricSql(m.denominator, inner)}, 0)`;
      case 'derived': {
        const parts = new Map(m.metrics.map((x) => [x, metricSql(x, inner)]));
        return `(${substituteIdentifiers(m.expr, (w) => (parts.has(w) ? `(${parts.get(w)})` : undefined))})`;
      }
      default:
        return no();
    }
  };

  const dims = query.dimensions.map((d) => ({ member: d, ...member(d) }));
  const metrics = query.metrics.map((m) => metricSql(m, []));
  if (distinctLeaf) {
    // count_distinct cannot be re-aggregated: only a query at exactly the rollup's grain reads it.
    const wanted = new Set(dims.map((d) => d.sql));
    const grain = [...r.dimensions.map((_d, i) => col(`d${i}`)), ...(r.timeDimension ? [col('t')] : [])];
    if (wanted.size !== grain.length || grain.some((g) => !wanted.has(g))) no();
  }

  // Rollups are bucketed in UTC: a query in another zone reads one only when no time member,
  // time filter or time range is involved (then the zone changes nothing).
  if (queryTimeZone(query.timezone) !== undefined && (query.time_range || dims.some((d) => d.grain) || query.filters.some((f) => member(f.member).grain))) no();
  const where: string[] = [];
  for (const f of query.filters) {
    if (layer.metrics[f.member] || measureMetric(layer, f.member)) no();
    const m = member(f.member);
    where.push(filterSql(m.sql, f.op, f.values, p, f.member, m.grain, m.numeric ?? false));
  }
  for (const s of query.segments) {
    const [mod, seg] = s.split('.') as [string, string];
    where.push(`(${mapTemplate(layer.models[mod]!.segments[seg]!.filter)})`);
  }
  if (query.time_range) {
    if (query.time_range.dimension !== r.timeDimension || !r.granularity) no();
    const { from, to } = query.time_range;
    if (from !== undefined) {
      if (!aligned(from, r.granularity!, 0)) no();
      where.push(`${col('t')} >= ${p.bind(from)}::date`);
    }
    if (to !== undefined) {
      if (!aligned(to, r.granularity!, 1)) no();
      where.push(`${col('t')} < ${p.bind(to)}::date + 1`);
    }
  }
  // The role's restriction of the rollup's model, over stored columns; a rollup that cannot
  // express it does not answer (the fact-table plan then applies it).
  const template = access ? restrictionFor(layer, access.role, r.model) : null;
  if (template !== null && access) where.push(`(${mapTemplate(bindClaims(template, access.user, access.role.name, p))})`);

  const select = [...dims.map((d) => `${d.sql} as ${q(d.member)}`), ...query.metrics.map((m, i) => `${metrics[i]} as ${q(m)}`)];
  let sql = `select ${select.join(', ')}\nfrom ${relation} as "r"`;
  if (where.length) sql += `\nwhere ${where.join('\n  and ')}`;
  if (dims.length) sql += `\ngroup by ${dims.map((_d, i) => i + 1).join(', ')}`;
  // The fact-table plan only has a group where some metric's rows exist; so here.
  if (dims.length && !filterSets.includes('')) {
    sql += `\nhaving ${filterSets.map((f) => `count(*) filter (where ${f}) > 0`).join(' or ')}`;
  }
  // The fact-table plan's order: the requested one, then the dimensions it does not name.
  const named = new Set(query.order.map((o) => o.member));
  const order = [
    ...query.order.map((o) => `${q(o.member)} ${o.desc ? 'desc' : 'asc'} nulls ${o.nulls_first ? 'first' : 'last'}`),
    ...dims.filter((d) => !named.has(d.member)).map((d) => `${q(d.member)} asc nulls last`),
  ];
  if (order.length) sql += `\norder by ${order.join(', ')}`;
  if (query.limit !== undefined) sql += `\nlimit ${p.bind(query.limit)}`;
  if (query.offset) sql += `\noffset ${p.bind(query.offset)}`;
  return { rollup: r.name, sql, params: p.values };
}

/** Is `date` (+ `plusDays`) the first day of a `grain` period? Only plain dates qualify. */
function aligned(date: string, grain: Granularity, plusDays: number): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== date) return false;
  d.setUTCDate(d.getUTCDate() + plusDays);
  const day = d.getUTCDate();
  const month = d.getUTCMonth();
  switch (grain) {
    case 'day':
      return true;
    case 'week':
      return d.getUTCDay() === 1;
    case 'month':
      return day === 1;
    case 'quarter':
      return day === 1 && month % 3 === 0;
    case 'year':
      return day === 1 && month === 0;
  }
}
