/**
 * `strata quality baseline|report` for one relation: profile (two scans) and store it, or
 * profile the current data (one aggregate scan) and compare it with the stored baseline (one
 * histogram scan).
 */
import type { RelationRef, WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import { estimatedRows, loadBaseline, profileRelation, profileStats, storeBaseline, type ColumnProfile } from './baseline.js';
import { computeDrift, DEFAULT_THRESHOLDS, type ColumnDrift, type DriftThresholds } from './drift.js';
import { profiledColumns, quantileSample, type ColumnKind } from './profile-sql.js';

export interface ColumnReport {
  readonly column: string;
  readonly kind: ColumnKind;
  readonly rows: number;
  readonly null_rate: number;
  readonly distinct: number | null;
  readonly mean: number | null;
  readonly stddev: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly drift: ColumnDrift | null;
}

export interface RelationReport {
  readonly relation: RelationRef;
  readonly baselineAt: string | null;
  readonly columns: readonly ColumnReport[];
}

/**
 * Profiles `rel` and stores the profile as its drift baseline (replacing the previous one).
 *
 * @example await takeBaseline(db, { schema: 'analytics', name: 'orders' }) // [{ column: 'amount', … }]
 */
export async function takeBaseline(db: WarehouseAdapter, rel: RelationRef): Promise<ColumnProfile[]> {
  const cols = profiledColumns(await db.getColumns(rel));
  const profiles = await profileRelation(db, rel, cols);
  await db.transaction((s) => storeBaseline(s, rel, profiles));
  return profiles;
}

/**
 * Profile of the current data plus drift per baselined column (quantiles from a ~200k-row
 * sample of large tables; counts, moments and drift from every row).
 *
 * @example await qualityReport(db, { schema: 'analytics', name: 'orders' })
 * // { baselineAt: '2024-05-01 …', columns: [{ column: 'amount', null_rate: 0, mean: 42, drift: { psi: 0.02, ks: 0.01, status: 'pass' } }] }
 */
export async function qualityReport(db: WarehouseAdapter, rel: RelationRef, t: DriftThresholds = DEFAULT_THRESHOLDS): Promise<RelationReport> {
  const cols = profiledColumns(await db.getColumns(rel));
  const sample = quantileSample(await estimatedRows(db, rel));
  const stats = await profileStats(db, rel, cols, sample !== undefined ? { sample, numericDistinct: false } : {});
  const baseline = await loadBaseline(db, rel);
  const drift = await computeDrift(db, rel, baseline, cols.map((c) => c.name).filter((c) => baseline.has(c)), t);
  const byColumn = new Map(drift.map((d) => [d.column, d]));
  const first = [...baseline.values()][0];
  return {
    relation: rel,
    baselineAt: first ? first.created_at : null,
    columns: cols.map((c, i) => {
      const s = stats[i]!;
      return {
        column: c.name,
        kind: c.kind,
        rows: s.rows,
        null_rate: s.rows ? s.nulls / s.rows : 0,
        distinct: s.distinct,
        mean: s.mean,
        stddev: s.stddev,
        min: s.min,
        max: s.max,
        drift: byColumn.get(c.name) ?? null,
      };
    }),
  };
}
