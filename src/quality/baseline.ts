/**
 * Column profiles and their storage as drift baselines in `strata_meta.quality_baselines`
 * (one row per relation column, the profile as jsonb).
 *
 * A profile costs two scans: the aggregate query (counts, moments, the 99 percentiles of every
 * numeric column) and the histogram query (per-bucket counts over the percentile edges, category
 * frequencies).
 */
import type { RelationRef, Session } from '../adapters/warehouse-adapter.js';
import { distinctSorted } from './drift-math.js';
import { histogramSql, profileSql, type ColumnKind, type HistogramColumn, type ProfiledColumn, type ProfileOptions } from './profile-sql.js';

export type Queryable = Pick<Session, 'query'>;

/** Categories kept per categorical column; the rest are pooled as OTHER. */
export const TOP_CATEGORIES = 50;
export const OTHER = '__other__';
export const BASELINE_TABLE = { schema: 'strata_meta', name: 'quality_baselines' } as const;

export interface ColumnProfile {
  readonly column: string;
  readonly kind: ColumnKind;
  readonly rows: number;
  readonly nulls: number;
  readonly null_rate: number;
  /** Distinct non-NULL values (null when not counted: numeric columns of large tables in reports). */
  readonly distinct: number | null;
  readonly mean: number | null;
  readonly stddev: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** Distinct values of the 99 percentiles (numeric/temporal): KS points and fine bucket edges. */
  readonly edges: readonly number[];
  /** Distinct deciles (percentiles 10..90), a subset of `edges`: PSI bucket edges. */
  readonly deciles: readonly number[];
  /** Non-NULL counts per fine bucket (`width_bucket(x, edges)`, 0 … edges.length). */
  readonly bins: readonly number[];
  /** Shares of the top categories among non-NULL values, plus OTHER. */
  readonly categories: Readonly<Record<string, number>>;
}

interface Stats {
  rows: number;
  nulls: number;
  distinct: number | null;
  mean: number | null;
  stddev: number | null;
  min: number | null;
  max: number | null;
  percentiles: number[];
}

/**
 * Scan 1: the aggregate statistics of every column (one query).
 *
 * @example await profileStats(db, { schema: 's', name: 't' }, cols) // [{ rows: 1000, nulls: 3, … }]
 */
export async function profileStats(db: Queryable, rel: RelationRef, cols: readonly ProfiledColumn[], opts: ProfileOptions = {}): Promise<Stats[]> {
  const r = await db.query<Record<string, unknown>>(profileSql(rel, cols, opts));
  const row = r.rows[0] ?? {};
  const n = num(row['n']) ?? 0;
  return cols.map((c, i) => {
    const nonnull = num(row[`c${i}_nonnull`]) ?? 0;
    return {
      rows: n,
      nulls: n - nonnull,
      distinct: num(row[`c${i}_distinct`]),
      mean: num(row[`c${i}_mean`]),
      stddev: num(row[`c${i}_stddev`]),
      min: num(row[`c${i}_min`]),
      max: num(row[`c${i}_max`]),
      percentiles: parseArray(row[`c${i}_q`]),
    };
  });
}

/** Scan 2: bucket counts per column (see `histogramSql`), keyed by column index then bucket. */
export async function histograms(
  db: Queryable,
  rel: RelationRef,
  cols: readonly HistogramColumn[],
): Promise<{ buckets: Map<number, Map<string | null, number>>; totals: Map<number, number> }> {
  const { sql, params } = histogramSql(rel, cols);
  const r = await db.query<{ col: number | string; bucket: string | null; n: string | number; total: string | number }>(sql, params);
  const buckets = new Map<number, Map<string | null, number>>();
  const totals = new Map<number, number>();
  for (const x of r.rows) {
    const c = Number(x.col);
    let m = buckets.get(c);
    if (!m) buckets.set(c, (m = new Map()));
    m.set(x.bucket, Number(x.n));
    totals.set(c, Number(x.total));
  }
  return { buckets, totals };
}

/**
 * Profiles every column of `rel` in two scans.
 *
 * @example await profileRelation(db, { schema: 'analytics', name: 'orders' }, cols)
 * // [{ column: 'amount', kind: 'numeric', null_rate: 0.01, mean: 42.1, edges: [...], bins: [...] }, …]
 */
export async function profileRelation(db: Queryable, rel: RelationRef, cols: readonly ProfiledColumn[]): Promise<ColumnProfile[]> {
  if (cols.length === 0) return [];
  const stats = await profileStats(db, rel, cols);
  const hcols: HistogramColumn[] = cols.map((c, i) => (c.kind === 'categorical' ? c : { ...c, edges: distinctSorted(stats[i]!.percentiles) }));
  const { buckets, totals } = await histograms(db, rel, hcols);
  return cols.map((c, i) => {
    const s = stats[i]!;
    const b = buckets.get(i) ?? new Map<string | null, number>();
    const nonnull = (totals.get(i) ?? s.rows) - (b.get(null) ?? 0);
    const base = { column: c.name, kind: c.kind, rows: s.rows, nulls: s.nulls, null_rate: s.rows ? s.nulls / s.rows : 0, distinct: s.distinct };
    if (c.kind === 'categorical') {
      const top = [...b.entries()].filter(([k]) => k !== null).sort((x, y) => y[1] - x[1]).slice(0, TOP_CATEGORIES);
      const categories: Record<string, number> = {};
      let kept = 0;
      for (const [k, n] of top) {
        categories[k!] = nonnull ? n / nonnull : 0;
        kept += n;
      }
      categories[OTHER] = nonnull ? (nonnull - kept) / nonnull : 0;
      return { ...base, mean: null, stddev: null, min: null, max: null, edges: [], deciles: [], bins: [], categories };
    }
    const edges = hcols[i]!.edges ?? [];
    const decileValues = s.percentiles.filter((_, k) => (k + 1) % 10 === 0);
    return {
      ...base,
      mean: s.mean,
      stddev: s.stddev,
      min: s.min,
      max: s.max,
      edges,
      deciles: distinctSorted(decileValues),
      bins: fineBins(b, edges.length),
      categories: {},
    };
  });
}

/** Counts per fine bucket 0 … n from a histogram's bucket map (NULL excluded). */
export function fineBins(b: ReadonlyMap<string | null, number>, n: number): number[] {
  const out = new Array<number>(n + 1).fill(0);
  for (const [k, v] of b) if (k !== null) out[Math.min(Number(k), n)]! += v;
  return out;
}

/** The planner's row estimate of a relation (pg_class.reltuples; 0 when unknown). */
export async function estimatedRows(db: Queryable, rel: RelationRef): Promise<number> {
  const r = await db.query<{ n: number | string | null }>('select cast(reltuples as float8) as n from pg_class where oid = to_regclass($1)', [
    `"${rel.schema.replace(/"/g, '""')}"."${rel.name.replace(/"/g, '""')}"`,
  ]);
  return Math.max(0, Number(r.rows[0]?.n ?? 0));
}

/** Creates the metadata table if needed (idempotent). */
export async function ensureBaselineTable(db: Queryable): Promise<void> {
  await db.query(`create schema if not exists "${BASELINE_TABLE.schema}"`);
  await db.query(
    `create table if not exists "${BASELINE_TABLE.schema}"."${BASELINE_TABLE.name}" (
  schema_name text not null,
  table_name text not null,
  column_name text not null,
  kind text not null,
  profile jsonb not null,
  created_at timestamptz not null default now(),
  primary key (schema_name, table_name, column_name)
)`,
  );
}

/**
 * Replaces the stored baseline of a relation with `profiles` (one transaction on the caller's side).
 *
 * @example await storeBaseline(db, { schema: 'analytics', name: 'orders' }, profiles)
 * // delete from "strata_meta"."quality_baselines" where schema_name = $1 and table_name = $2;
 * // insert into "strata_meta"."quality_baselines" (…) values ($1, $2, $3, $4, $5::jsonb) -- per column
 */
export async function storeBaseline(db: Queryable, rel: RelationRef, profiles: readonly ColumnProfile[]): Promise<void> {
  await ensureBaselineTable(db);
  const t = `"${BASELINE_TABLE.schema}"."${BASELINE_TABLE.name}"`;
  await db.query(`delete from ${t} where schema_name = $1 and table_name = $2`, [rel.schema, rel.name]);
  for (const p of profiles) {
    await db.query(`insert into ${t} (schema_name, table_name, column_name, kind, profile) values ($1, $2, $3, $4, $5::jsonb)`, [
      rel.schema,
      rel.name,
      p.column,
      p.kind,
      JSON.stringify(p),
    ]);
  }
}

/** The stored baseline of a relation, by column name (empty when none was stored). */
export async function loadBaseline(db: Queryable, rel: RelationRef): Promise<Map<string, ColumnProfile & { created_at: string }>> {
  const exists = await db.query<{ ok: boolean }>(`select to_regclass($1) is not null as ok`, [`"${BASELINE_TABLE.schema}"."${BASELINE_TABLE.name}"`]);
  const out = new Map<string, ColumnProfile & { created_at: string }>();
  if (!exists.rows[0]?.ok) return out;
  const r = await db.query<{ column_name: string; profile: string; created_at: string }>(
    `select column_name, profile::text as profile, created_at::text as created_at from "${BASELINE_TABLE.schema}"."${BASELINE_TABLE.name}" where schema_name = $1 and table_name = $2`,
    [rel.schema, rel.name],
  );
  for (const x of r.rows) out.set(x.column_name, { ...(JSON.parse(x.profile) as ColumnProfile), created_at: x.created_at });
  return out;
}

function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Parses a float8[] literal '{1,2.5,NaN}' (or a driver-parsed array). */
export function parseArray(v: unknown): number[] {
  if (Array.isArray(v)) return v.map(Number);
  if (typeof v !== 'string') return [];
  const inner = v.replace(/^\{|\}$/g, '').trim();
  return inner === '' ? [] : inner.split(',').map((x) => (x === 'NULL' ? NaN : Number(x)));
}
