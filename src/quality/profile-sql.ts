/**
 * One-scan column profiles: every statistic of every column comes from ONE aggregate query
 * (one sequential scan), and value distributions from ONE grouped query over a lateral
 * `values` list (one more scan), instead of one query per check and column.
 */
import type { ColumnDef, RelationRef } from '../adapters/warehouse-adapter.js';
import { ident, literal, qualified } from '../planner/sql.js';

export type ColumnKind = 'numeric' | 'temporal' | 'categorical';

export interface ProfiledColumn {
  readonly name: string;
  readonly kind: ColumnKind;
}

/** Buckets returned per column by `histogramSql` (numeric columns have at most 100). */
export const TOP_BUCKETS = 1000;

/** Percentiles 1..99: KS points; every 10th is a PSI decile edge. */
export const PERCENTILES: readonly number[] = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);

const NUMERIC = /^(smallint|integer|bigint|int2|int4|int8|real|double precision|float4|float8|numeric|decimal|money)\b/;
const TEMPORAL = /^(date|timestamp|time)\b/;

/**
 * How a column is profiled: numbers by value, dates/timestamps by epoch seconds, the rest
 * (text, boolean, ...) by category.
 *
 * @example columnKind('numeric(10,2)') // 'numeric'
 */
export function columnKind(dataType: string): ColumnKind {
  const t = dataType.toLowerCase();
  if (t.endsWith('[]') || t === 'json' || t === 'jsonb' || t === 'bytea') return 'categorical';
  if (NUMERIC.test(t)) return 'numeric';
  if (TEMPORAL.test(t)) return t.startsWith('time ') || t === 'time' ? 'categorical' : 'temporal';
  return 'categorical';
}

export function profiledColumns(columns: readonly ColumnDef[]): ProfiledColumn[] {
  return columns.map((c) => ({ name: c.name, kind: columnKind(c.dataType) }));
}

/** The float8 value of a numeric or temporal column (`extract(epoch …)` for dates). */
export function numericExpr(c: ProfiledColumn, alias = ''): string {
  const col = alias + ident(c.name);
  return c.kind === 'temporal' ? `cast(extract(epoch from ${col}) as float8)` : `cast(${col} as float8)`;
}

/**
 * The one-scan profile query: row count, then per column (prefix `cN_`) non-null count,
 * distinct count, and for numeric/temporal columns mean, sample stddev, min, max and the 99
 * percentiles (`percentile_cont`). One sequential scan of `rel`.
 *
 * @example profileSql({ schema: 's', name: 't' }, [{ name: 'x', kind: 'numeric' }])
 * // select count(*) as n, count("x") as c0_nonnull, count(distinct "x") as c0_distinct,
 * //   avg(cast("x" as float8)) as c0_mean, stddev_samp(cast("x" as float8)) as c0_stddev, …,
 * //   cast(percentile_cont(array[0.01, …, 0.99]) within group (order by cast("x" as float8)) as text) as c0_q
 * // from "s"."t"
 */
export function profileSql(rel: RelationRef, cols: readonly ProfiledColumn[], opts: ProfileOptions = {}): string {
  // Sorting is what costs (one sort per ordered-set aggregate): a Bernoulli sample inside the
  // same scan keeps quantiles accurate to a fraction of a percentile at a tenth of the cost.
  const sample = opts.sample !== undefined && opts.sample > 0 && opts.sample < 1 ? ` filter (where random() < ${opts.sample.toPrecision(6)})` : '';
  const parts = ['count(*) as n'];
  const ps = `array[${PERCENTILES.map((p) => p.toFixed(2)).join(', ')}]::float8[]`;
  cols.forEach((c, i) => {
    const col = ident(c.name);
    parts.push(`count(${col}) as c${i}_nonnull`);
    // count(distinct) sorts every value: on large tables only categorical columns pay for it.
    if (opts.numericDistinct !== false || c.kind === 'categorical') parts.push(`count(distinct ${col}) as c${i}_distinct`);
    if (c.kind !== 'categorical') {
      const x = numericExpr(c);
      parts.push(
        `avg(${x}) as c${i}_mean`,
        `stddev_samp(${x}) as c${i}_stddev`,
        `min(${x}) as c${i}_min`,
        `max(${x}) as c${i}_max`,
        // As text: both drivers return it the same way (pg would parse float8[], PGlite differs).
        `cast(percentile_cont(${ps}) within group (order by ${x})${sample} as text) as c${i}_q`,
      );
    }
  });
  return `select\n  ${parts.join(',\n  ')}\nfrom ${qualified(rel)}`;
}

export interface ProfileOptions {
  /** Fraction of rows (0–1) whose values feed the quantiles; counts and moments use every row. */
  readonly sample?: number;
  /** Count distinct values of numeric/temporal columns too (default true; one sort each). */
  readonly numericDistinct?: boolean;
}

/** Rows above which `quantileSample` samples: ~200,000 sampled values per column. */
export const QUANTILE_SAMPLE_ROWS = 200_000;

/** The sampling fraction for an estimated row count (undefined: use every row). */
export function quantileSample(estimatedRows: number): number | undefined {
  return estimatedRows > QUANTILE_SAMPLE_ROWS ? QUANTILE_SAMPLE_ROWS / estimatedRows : undefined;
}

/** A column's bucketing in `histogramSql`: numeric by `edges` (width_bucket), else by value. */
export interface HistogramColumn extends ProfiledColumn {
  /** Ascending bucket edges for numeric/temporal columns. */
  readonly edges?: readonly number[];
}

/**
 * The one-scan distribution query: one row per (column index, bucket) with its count and the
 * column's total row count. A numeric column's bucket is `width_bucket(x, edges)` (0 …
 * edges.length), a categorical column's bucket is its value as text; a NULL value has a NULL
 * bucket (null counts come for free). One `grouping sets` aggregate over a single scan (hashed
 * per set; 2-3x faster than unpivoting rows with a lateral `values` list). Edges travel as
 * bound parameters. At most TOP_BUCKETS buckets per column come back (a text column of unique
 * ids must not send a million categories), plus the NULL bucket.
 *
 * @example histogramSql({ schema: 's', name: 't' }, [{ name: 'x', kind: 'numeric', edges: [1, 2] }, { name: 'c', kind: 'categorical' }])
 * // { sql: select col, bucket, n, total from (… select case when grouping(b0) = 0 then 0 when grouping(b1) = 0 then 1 end as col,
 * //          case when grouping(b0) = 0 then cast(b0 as text) when grouping(b1) = 0 then cast(b1 as text) end as bucket, count(*) as n
 * //        from (select cast(width_bucket(cast(t."x" as float8), $1::float8[]) as text) as b0, cast(t."c" as text) as b1 from "s"."t" as t) s
 * //        group by grouping sets ((b0), (b1)) …) h where rn <= 1001,
 * //   params: ['{1,2}'] }
 */
export function histogramSql(rel: RelationRef, cols: readonly HistogramColumn[]): { sql: string; params: string[] } {
  const params: string[] = [];
  const exprs = cols.map((c, i) => {
    if (c.kind === 'categorical') return `cast(t.${ident(c.name)} as text) as b${i}`;
    // width_bucket refuses an empty edge list (an all-NULL baseline column): one bucket.
    if (!c.edges || c.edges.length === 0) return `case when t.${ident(c.name)} is null then null else 0 end as b${i}`;
    params.push(pgArray(c.edges));
    // Integer buckets hash faster than text; they become text only after aggregation.
    return `width_bucket(${numericExpr(c, 't.')}, $${params.length}::float8[]) as b${i}`;
  });
  const which = cols.map((_, i) => `when grouping(b${i}) = 0 then ${i}`).join(' ');
  const value = cols.map((_, i) => `when grouping(b${i}) = 0 then cast(b${i} as text)`).join(' ');
  const sets = cols.map((_, i) => `(b${i})`).join(', ');
  const sql =
    `select col, bucket, n, total from (\n` +
    `select col, bucket, n, sum(n) over (partition by col) as total,\n` +
    `  row_number() over (partition by col order by (bucket is null) desc, n desc, bucket) as rn\n` +
    `from (\n` +
    `select case ${which} end as col, case ${value} end as bucket, count(*) as n\n` +
    `from (select\n  ${exprs.join(',\n  ')}\nfrom ${qualified(rel)} as t) s\n` +
    `group by grouping sets (${sets})\n` +
    `) g\n) h where rn <= ${TOP_BUCKETS + 1}`;
  return { sql, params };
}

/** A float8[] literal for a bound parameter: '{1.5,2,3e-7}'. */
export function pgArray(values: readonly number[]): string {
  return `{${values.map((v) => (Number.isFinite(v) ? String(v) : 'NaN')).join(',')}}`;
}

/** `'a', 'b'` for an `in (…)` list of names (identifiers compared as text). */
export function textList(values: readonly string[]): string {
  return values.map(literal).join(', ');
}
