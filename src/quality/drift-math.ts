/**
 * Drift statistics from bucket counts (pure; the counting happens in the database).
 *
 * PSI (population stability index) over the baseline's deciles (numeric) or categories:
 *   PSI = Σ_k (a_k − e_k) · ln(a_k / e_k)
 * with a = current share, e = baseline share of bucket k among non-NULL values; an empty bucket
 * counts as 0.0001 (the usual smoothing, so a bucket that appears or vanishes scores high but
 * finite). Conventional reading: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major shift.
 *
 * KS: the two-sample Kolmogorov–Smirnov statistic D = max |F_current − F_baseline|, evaluated
 * at the baseline's 99 percentile points (binned KS: exact when the largest gap falls on one of
 * them, otherwise at most the mass of one percentile bucket below the exact value).
 */

export const PSI_EPSILON = 1e-4;

/**
 * @example psi([0.5, 0.5], [0.25, 0.75]) // 0.2747…
 */
export function psi(expected: readonly number[], actual: readonly number[]): number {
  let sum = 0;
  for (let k = 0; k < Math.max(expected.length, actual.length); k++) {
    const e = Math.max(expected[k] ?? 0, PSI_EPSILON);
    const a = Math.max(actual[k] ?? 0, PSI_EPSILON);
    if ((expected[k] ?? 0) === 0 && (actual[k] ?? 0) === 0) continue;
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/**
 * Largest gap between two cumulative distributions given as bucket shares in the same order.
 *
 * @example ks([0.5, 0.5], [0.25, 0.75]) // 0.25
 */
export function ks(expected: readonly number[], actual: readonly number[]): number {
  let ce = 0;
  let ca = 0;
  let d = 0;
  for (let k = 0; k < Math.max(expected.length, actual.length); k++) {
    ce += expected[k] ?? 0;
    ca += actual[k] ?? 0;
    d = Math.max(d, Math.abs(ce - ca));
  }
  return d;
}

/** Shares of a count vector (all zero when empty). */
export function shares(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total === 0 ? 0 : c / total));
}

/**
 * Folds fine buckets (width_bucket over `edges`) into decile buckets (width_bucket over
 * `deciles`, which are a subset of `edges`): fine bucket j ≥ 1 starts at edges[j-1], so it lies
 * in the decile bucket counting the deciles ≤ edges[j-1].
 *
 * @example foldBuckets([5, 3, 2], [1, 2], [2]) // [8, 2]
 */
export function foldBuckets(fine: readonly number[], edges: readonly number[], deciles: readonly number[]): number[] {
  const out = new Array<number>(deciles.length + 1).fill(0);
  fine.forEach((n, j) => {
    const k = j === 0 ? 0 : deciles.filter((d) => d <= edges[j - 1]!).length;
    out[k]! += n;
  });
  return out;
}

/** Sorted distinct finite values (bucket edges must ascend; ties collapse). */
export function distinctSorted(values: readonly number[]): number[] {
  return [...new Set(values.filter((v) => Number.isFinite(v)))].sort((a, b) => a - b);
}
