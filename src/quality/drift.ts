/**
 * Drift of a relation's columns against their stored baseline, in ONE scan of the relation:
 * the histogram query buckets every column by the baseline's own edges (numeric) or categories.
 */
import type { RelationRef } from '../adapters/warehouse-adapter.js';
import { OTHER, fineBins, histograms, type ColumnProfile, type Queryable } from './baseline.js';
import { foldBuckets, ks, psi, shares } from './drift-math.js';
import type { HistogramColumn } from './profile-sql.js';

export interface DriftThresholds {
  readonly psiWarn: number;
  readonly psiError: number;
  readonly ksWarn: number | null;
  readonly ksError: number | null;
}

export const DEFAULT_THRESHOLDS: DriftThresholds = { psiWarn: 0.1, psiError: 0.25, ksWarn: null, ksError: null };

export interface ColumnDrift {
  readonly column: string;
  readonly kind: string;
  readonly psi: number;
  /** Binned KS statistic (numeric/temporal columns only). */
  readonly ks: number | null;
  readonly null_rate: number;
  readonly baseline_null_rate: number;
  readonly rows: number;
  readonly status: 'pass' | 'warn' | 'fail';
}

/**
 * Compares `rel` (the relation to scan: the model, or its staged copy) with `baseline`.
 *
 * @example await computeDrift(db, { schema: 'analytics', name: 'orders' }, baseline, ['amount'])
 * // [{ column: 'amount', kind: 'numeric', psi: 0.76, ks: 0.1, null_rate: 0, status: 'fail', … }]
 */
export async function computeDrift(
  db: Queryable,
  rel: RelationRef,
  baseline: ReadonlyMap<string, ColumnProfile>,
  columns: readonly string[],
  t: DriftThresholds = DEFAULT_THRESHOLDS,
): Promise<ColumnDrift[]> {
  const profiles = columns.map((c) => baseline.get(c)).filter((p): p is ColumnProfile => p !== undefined);
  if (profiles.length === 0) return [];
  const cols: HistogramColumn[] = profiles.map((p) => (p.kind === 'categorical' ? { name: p.column, kind: p.kind } : { name: p.column, kind: p.kind, edges: p.edges }));
  const { buckets, totals } = await histograms(db, rel, cols);
  return profiles.map((p, i) => {
    const b = buckets.get(i) ?? new Map<string | null, number>();
    const rows = totals.get(i) ?? 0;
    const nulls = b.get(null) ?? 0;
    const nonnull = rows - nulls;
    let psiValue: number;
    let ksValue: number | null = null;
    if (p.kind === 'categorical') {
      const names = Object.keys(p.categories).filter((k) => k !== OTHER);
      const expected = [...names.map((k) => p.categories[k] ?? 0), p.categories[OTHER] ?? 0];
      const counts = names.map((k) => b.get(k) ?? 0);
      const other = nonnull - counts.reduce((x, y) => x + y, 0);
      psiValue = psi(expected, shares([...counts, other]));
    } else {
      const fine = fineBins(b, p.edges.length);
      psiValue = psi(shares(foldBuckets(p.bins, p.edges, p.deciles)), shares(foldBuckets(fine, p.edges, p.deciles)));
      ksValue = ks(shares(p.bins), shares(fine));
    }
    const over = (v: number | null, limit: number | null): boolean => v !== null && limit !== null && v > limit;
    const status = over(psiValue, t.psiError) || over(ksValue, t.ksError) ? 'fail' : over(psiValue, t.psiWarn) || over(ksValue, t.ksWarn) ? 'warn' : 'pass';
    return {
      column: p.column,
      kind: p.kind,
      psi: psiValue,
      ks: ksValue,
      null_rate: rows ? nulls / rows : 0,
      baseline_null_rate: p.null_rate,
      rows,
      status,
    };
  });
}
