import { z } from 'zod';
import { GRANULARITIES, measureMetric, QUERY_LIMITS, QueryError, queryTimeZone, type MetricQuery, type QueryFilter, type SemanticLayer } from '../semantic/index.js';
import { ApiError } from './api-error.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/**
 * Bounds on a Cube query's shape, checked before anything recursive looks at it (a filter nested
 * 100,000 levels deep must be a 400, not a stack overflow).
 */
export const CUBE_QUERY_LIMITS = {
  /** Levels of `and` / `or` nesting below a top-level filter. */
  filterDepth: 16,
  /** Filter objects in the whole query, nested ones and `and` groups included (the metric query's cap). */
  filters: QUERY_LIMITS.filters,
  /** Values of one filter (the metric query's cap). */
  valuesPerFilter: QUERY_LIMITS.values,
  /** Filter values in the whole query (the metric query's cap). */
  values: QUERY_LIMITS.totalValues,
  /** Entries of `measures`, `dimensions`, `segments`, `timeDimensions`, `order` (the metric query's member cap). */
  members: QUERY_LIMITS.members,
} as const;

interface CubeFilter {
  member?: string | undefined;
  dimension?: string | undefined;
  operator?: string | undefined;
  values?: (string | number | boolean)[] | undefined;
  and?: CubeFilter[] | undefined;
  or?: CubeFilter[] | undefined;
}
const cubeFilter: z.ZodType<CubeFilter> = z.lazy(() =>
  z
    .object({
      member: z.string().optional(),
      dimension: z.string().optional(),
      operator: z.string().optional(),
      values: z.array(scalar).optional(),
      and: z.array(cubeFilter).optional(),
      or: z.array(cubeFilter).optional(),
    })
    .strict(),
);

/** Cube's query JSON (https://cube.dev/docs/product/apis-integrations/rest-api/query-format). */
export const cubeQuerySchema = z
  .object({
    measures: z.array(z.string()).max(CUBE_QUERY_LIMITS.members).default([]),
    dimensions: z.array(z.string()).max(CUBE_QUERY_LIMITS.members).default([]),
    segments: z.array(z.string()).max(CUBE_QUERY_LIMITS.members).default([]),
    timeDimensions: z
      .array(
        z
          .object({
            dimension: z.string(),
            granularity: z.string().optional(),
            dateRange: z.union([z.string(), z.tuple([z.string(), z.string()])]).optional(),
            compareDateRange: z.unknown().optional(),
          })
          .strict(),
      )
      .max(CUBE_QUERY_LIMITS.members)
      .default([]),
    filters: z.array(cubeFilter).max(CUBE_QUERY_LIMITS.filters).default([]),
    order: z
      .union([z.record(z.string(), z.enum(['asc', 'desc'])), z.array(z.tuple([z.string(), z.enum(['asc', 'desc'])])).max(CUBE_QUERY_LIMITS.members)])
      .optional(),
    limit: z.number().int().positive().max(50_000).optional(),
    offset: z.number().int().min(0).optional(),
    total: z.boolean().optional(),
    timezone: z.string().optional(),
    renewQuery: z.boolean().optional(),
    ungrouped: z.boolean().optional(),
    responseFormat: z.string().optional(),
  })
  .strict();
export type CubeQuery = z.infer<typeof cubeQuerySchema>;

/** A Cube query translated, with how our column names map back to the member names Cube used. */
export interface TranslatedCubeQuery {
  readonly query: MetricQuery;
  /** Our column → Cube member (`revenue` → `sales.revenue`). */
  readonly columns: ReadonlyMap<string, string>;
  /** Time columns (`sales.sold_at.month`) whose value Cube also repeats under the bare dimension. */
  readonly timeColumns: ReadonlyMap<string, string>;
  /** `total: true`: also count the rows without limit and offset. */
  readonly total: boolean;
  /** The time zone as the query named it (`UTC` when it named none). */
  readonly timezone: string;
  /** The Cube query with its defaults filled in (what `dry-run` calls normalized). */
  readonly normalized: Record<string, unknown>;
  /** The order the rows come in, as Cube members: the requested order, then the dimensions. */
  readonly order: readonly (readonly [string, 'asc' | 'desc'])[];
}

const bad = (message: string): never => {
  throw new ApiError(400, 'invalid_query', message);
};

/** Own properties only: a member named `constructor` or `__proto__` is just an unknown name. */
const own = <T>(rec: Readonly<Record<string, T>> | undefined, key: string): T | undefined => (rec && Object.hasOwn(rec, key) ? rec[key] : undefined);


/**
 * Checks the nesting depth, filter count and value count of a Cube query's filters with an
 * explicit stack (no recursion), so arbitrarily deep input is refused before the recursive
 * schema sees it. Only the shape is checked here; the schema validates the rest.
 *
 * @example checkCubeQueryShape({ filters: [{ and: [{ and: [ … 20 levels … ] }] }] }) // throws 400 'filters nest deeper than 16 levels of and/or'
 */
export function checkCubeQueryShape(raw: unknown): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return;
  const top = (raw as { filters?: unknown }).filters;
  if (!Array.isArray(top)) return;
  const L = CUBE_QUERY_LIMITS;
  if (top.length > L.filters) bad(`too many filters: at most ${L.filters} per query, nested ones included`);
  let filters = 0;
  let values = 0;
  const stack: { node: unknown; depth: number }[] = [];
  for (let i = top.length - 1; i >= 0; i--) stack.push({ node: top[i], depth: 0 });
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    if (++filters > L.filters) bad(`too many filters: at most ${L.filters} per query, nested ones included`);
    if (typeof node !== 'object' || node === null || Array.isArray(node)) continue;
    const f = node as { values?: unknown; and?: unknown; or?: unknown };
    if (Array.isArray(f.values)) {
      if (f.values.length > L.valuesPerFilter) bad(`too many values in one filter: at most ${L.valuesPerFilter}`);
      if ((values += f.values.length) > L.values) bad(`too many filter values: at most ${L.values} per query`);
    }
    for (const key of ['and', 'or'] as const) {
      const children = f[key];
      if (!Array.isArray(children) || children.length === 0) continue;
      if (depth + 1 > L.filterDepth) bad(`filters nest deeper than ${L.filterDepth} levels of and/or`);
      if (filters + stack.length + children.length > L.filters) bad(`too many filters: at most ${L.filters} per query, nested ones included`);
      for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], depth: depth + 1 });
    }
  }
}

/**
 * Maps Cube's query JSON onto a MetricQuery: measures `cube.metric` → metrics, dimensions as
 * they are, `timeDimensions` → a granular time member plus `time_range`, Cube filter operators
 * → ours, `order`, `limit`, `offset`, `segments`, `timezone` (IANA; relative date ranges are
 * days in that zone), `total` (returned as a flag). Measures are metrics (`sales.revenue` → metric
 * `revenue`), else the measure itself. What has no exact equivalent (`or` filters, compact
 * responses, ungrouped queries, compareDateRange) is a 400, never a silently different answer. Filters nested deeper than 16 levels, more than 50 filter objects or
 * 20,000 values are a 400 too (`CUBE_QUERY_LIMITS`).
 *
 * @example
 * translateCubeQuery(layer, { measures: ['sales.revenue'], timeDimensions: [{ dimension: 'sales.sold_at', granularity: 'month', dateRange: ['2024-01-01', '2024-12-31'] }] })
 * // query: { metrics: ['revenue'], dimensions: ['sales.sold_at.month'], time_range: { dimension: 'sales.sold_at', from: '2024-01-01', to: '2024-12-31' } }
 */
export function translateCubeQuery(layer: SemanticLayer, raw: unknown, now: Date = new Date()): TranslatedCubeQuery {
  checkCubeQueryShape(raw);
  const parsed = cubeQuerySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    bad(`invalid query${issue.path.length ? ` at ${issue.path.map(String).join('.')}` : ''}: ${issue.message}`);
  }
  const c = parsed.data!;
  if (c.ungrouped) bad('ungrouped queries are not supported: ask for measures by dimensions');
  let zone: string | undefined;
  try {
    zone = queryTimeZone(c.timezone);
  } catch (e) {
    if (e instanceof QueryError) throw new ApiError(400, 'invalid_query', e.message, e.diagnostics);
    throw e;
  }
  if (c.responseFormat !== undefined && c.responseFormat !== 'default') bad(`responseFormat '${c.responseFormat}' is not supported (only 'default')`);
  if (c.timeDimensions.some((t) => t.compareDateRange !== undefined)) bad('compareDateRange is not supported; send one query per range');
  const columns = new Map<string, string>();
  const timeColumns = new Map<string, string>();
  // A metric of that name wins; else `cube.measure` is the measure itself, aggregated as is.
  const metricOf = (member: string): string => {
    const short = member.includes('.') ? member.slice(member.indexOf('.') + 1) : member;
    if (own(layer.metrics, short)) return short;
    if (own(layer.metrics, member)) return member;
    if (measureMetric(layer, member)) return member;
    return bad(`unknown measure '${member}'`);
  };
  const isMeasure = (member: string): boolean => {
    const short = member.includes('.') ? member.slice(member.indexOf('.') + 1) : member;
    return Boolean(own(layer.metrics, short) ?? own(layer.metrics, member) ?? measureMetric(layer, member)) && !isDimension(member);
  };
  const isDimension = (member: string): boolean => {
    const [m, d] = member.split('.');
    return Boolean(m && d && own(own(layer.models, m)?.dimensions, d));
  };
  const metrics = c.measures.map((m) => {
    const name = metricOf(m);
    columns.set(name, m);
    return name;
  });
  const dimensions = [...c.dimensions];
  for (const d of dimensions) columns.set(d, d);
  let timeRange: MetricQuery['time_range'];
  const setRange = (dimension: string, range: readonly [string, string]): void => {
    if (timeRange) bad('only one date range per query is supported');
    timeRange = { dimension, from: range[0], to: range[1] };
  };
  for (const t of c.timeDimensions) {
    if (t.granularity !== undefined) {
      if (!(GRANULARITIES as readonly string[]).includes(t.granularity)) bad(`granularity '${t.granularity}' is not supported (use ${GRANULARITIES.join(', ')})`);
      const member = `${t.dimension}.${t.granularity}`;
      if (!dimensions.includes(member)) dimensions.push(member);
      columns.set(member, member);
      timeColumns.set(member, t.dimension);
    }
    if (t.dateRange !== undefined) setRange(t.dimension, dateRange(t.dateRange, zone ? wallClock(now, zone) : now));
  }
  const filters: QueryFilter[] = [];
  const addFilter = (f: CubeFilter): void => {
    if (f.or) bad("'or' filters are not supported; send separate queries");
    if (f.and) {
      f.and.forEach(addFilter);
      return;
    }
    const member = f.member ?? f.dimension ?? bad('a filter needs member');
    const target = isMeasure(member) ? metricOf(member) : member;
    const values = f.values ?? [];
    const one = (op: QueryFilter['op']): QueryFilter => ({ member: target, op, values });
    switch (f.operator) {
      case 'equals':
        filters.push(one(values.length === 1 ? 'equals' : 'in'));
        break;
      case 'notEquals':
        filters.push(one(values.length === 1 ? 'not_equals' : 'not_in'));
        break;
      case 'contains':
        if (values.length !== 1) bad("'contains' with several values is not supported");
        filters.push(one('contains'));
        break;
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte':
        filters.push(one(f.operator));
        break;
      case 'set':
        filters.push({ member: target, op: 'not_null', values: [] });
        break;
      case 'notSet':
        filters.push({ member: target, op: 'is_null', values: [] });
        break;
      case 'inDateRange':
        if (values.length !== 2) bad("'inDateRange' needs two values");
        setRange(member, [String(values[0]), String(values[1])]);
        break;
      case 'beforeDate':
        filters.push(one('lt'));
        break;
      case 'afterDate':
        filters.push(one('gt'));
        break;
      default:
        bad(`filter operator '${String(f.operator)}' is not supported`);
    }
  };
  c.filters.forEach(addFilter);
  const orderPairs: [string, 'asc' | 'desc'][] = Array.isArray(c.order) ? c.order : Object.entries(c.order ?? {});
  // A bare time dimension orders by its granular member (`sales.sold_at` → `sales.sold_at.month`).
  const granular = (member: string): string => [...timeColumns].find(([, bare]) => bare === member)?.[0] ?? member;
  const order = orderPairs.map(([member, dir]) => {
    const target = isMeasure(member) ? metricOf(member) : granular(member);
    return { member: target, desc: dir === 'desc' };
  });
  const query: MetricQuery = {
    metrics,
    dimensions,
    filters,
    segments: c.segments,
    order,
    limit: c.limit ?? 10_000,
    ...(c.offset ? { offset: c.offset } : {}),
    ...(zone ? { timezone: zone } : {}),
    ...(timeRange ? { time_range: { dimension: timeRange.dimension, ...(timeRange.from ? { from: day(timeRange.from) } : {}), ...(timeRange.to ? { to: day(timeRange.to) } : {}) } } : {}),
  };
  const cubeMember = (m: string): string => timeColumns.get(m) ?? columns.get(m) ?? m;
  const named = new Set(order.map((o) => o.member));
  const rowOrder: [string, 'asc' | 'desc'][] = [
    ...order.map((o): [string, 'asc' | 'desc'] => [cubeMember(o.member), o.desc ? 'desc' : 'asc']),
    ...dimensions.filter((d) => !named.has(d)).map((d): [string, 'asc' | 'desc'] => [cubeMember(d), 'asc']),
  ];
  const timezone = c.timezone?.trim() || 'UTC';
  const normalized: Record<string, unknown> = {
    measures: c.measures,
    dimensions: c.dimensions,
    segments: c.segments,
    timeDimensions: c.timeDimensions,
    filters: c.filters,
    order: rowOrder,
    limit: query.limit,
    ...(c.offset !== undefined ? { offset: c.offset } : {}),
    ...(c.total !== undefined ? { total: c.total } : {}),
    timezone,
  };
  return { query, columns, timeColumns, total: c.total === true, timezone, normalized, order: rowOrder };
}

/** The wall-clock date and time of `now` in `zone`, as a Date whose UTC fields hold it. */
function wallClock(now: Date, zone: string): Date {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const n = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return new Date(Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')));
}

/** `2024-01-01T00:00:00.000` → `2024-01-01` (Cube sends either). */
function day(v: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T00:00:00(?:\.0+)?Z?)?$/.exec(v);
  return m ? m[1]! : v;
}

/** Cube's relative ranges we support: today, yesterday, this/last week|month|quarter|year, last N days. */
function dateRange(r: string | readonly [string, string], now: Date): [string, string] {
  if (Array.isArray(r)) return [r[0]!, r[1]!];
  const text = String(r).trim().toLowerCase();
  const d = (x: Date): string => x.toISOString().slice(0, 10);
  const utc = (y: number, m: number, dd: number): Date => new Date(Date.UTC(y, m, dd));
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const today = utc(y, m, now.getUTCDate());
  if (text === 'today') return [d(today), d(today)];
  if (text === 'yesterday') {
    const t = utc(y, m, now.getUTCDate() - 1);
    return [d(t), d(t)];
  }
  const lastN = /^last (\d{1,4}) days?$/.exec(text);
  if (lastN) return [d(utc(y, m, now.getUTCDate() - Number(lastN[1]))), d(utc(y, m, now.getUTCDate() - 1))];
  const rel = /^(this|last) (week|month|quarter|year)$/.exec(text);
  if (rel) {
    const back = rel[1] === 'last' ? 1 : 0;
    switch (rel[2]) {
      case 'week': {
        const monday = utc(y, m, now.getUTCDate() - ((now.getUTCDay() + 6) % 7) - 7 * back);
        return [d(monday), d(utc(monday.getUTCFullYear(), monday.getUTCMonth(), monday.getUTCDate() + 6))];
      }
      case 'month':
        return [d(utc(y, m - back, 1)), d(utc(y, m - back + 1, 0))];
      case 'quarter': {
        const q0 = Math.floor(m / 3) * 3 - 3 * back;
        return [d(utc(y, q0, 1)), d(utc(y, q0 + 3, 0))];
      }
      default:
        return [d(utc(y - back, 0, 1)), d(utc(y - back, 11, 31))];
    }
  }
  return bad(`dateRange '${String(r)}' is not supported; send ['YYYY-MM-DD', 'YYYY-MM-DD']`);
}
