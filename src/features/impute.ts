/**
 * Null handling (`impute:`) and training-set profiles. Statistics are computed once, over the
 * training set's own point-in-time values, stored with the training set in the registry, and
 * applied identically online (`applyImpute`).
 */
import type { Session } from '../adapters/warehouse-adapter.js';
import { ident } from '../planner/sql.js';
import type { SelectedFeature } from './select-features.js';
import type { ColumnProfile, FeatureType, ImputedValue } from './types.js';

const NUMERIC: readonly FeatureType[] = ['int32', 'int64', 'float32', 'float64'];
const DECILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/**
 * Imputation values and decile profiles of a staged training set.
 *
 * @example await trainingSetStats(s, 'pg_temp."__strata_training_set"', sel, true)
 * // select count(q."c")::float8 as n, avg(q."c"::float8) as mean,
 * //   percentile_cont(0.5) within group (order by q."c"::float8) as median,
 * //   percentile_cont(array[0.1,…,0.9]) within group (order by q."c"::float8) as deciles from … as q
 * // select width_bucket(q."c"::float8, $1::float8[]) as b, count(*)::float8 as n from … as q where q."c" is not null group by 1
 */
export async function trainingSetStats(
  s: Session,
  from: string,
  sel: { readonly features: readonly SelectedFeature[] },
  wantProfile: boolean,
): Promise<{ impute: ImputedValue[]; profile: ColumnProfile[] }> {
  const impute: ImputedValue[] = [];
  const profile: ColumnProfile[] = [];
  for (const f of sel.features) {
    const spec = f.feature.impute;
    const numeric = NUMERIC.includes(f.feature.type);
    const c = `q.${ident(f.column)}`;
    let stats: { n: number; total: number; mean: number | null; median: number | null; deciles: number[] | null } | undefined;
    if (numeric && (wantProfile || spec?.strategy === 'mean' || spec?.strategy === 'median')) {
      const r = await s.query<{ n: number; total: number; mean: number | null; median: number | null; deciles: number[] | null }>(
        `select count(${c})::float8 as n, count(*)::float8 as total, avg(${c}::float8) as mean,
           percentile_cont(0.5) within group (order by ${c}::float8) as median,
           percentile_cont(array[${DECILES.join(',')}]::float8[]) within group (order by ${c}::float8) as deciles
         from ${from} as q`,
      );
      stats = r.rows[0];
    }
    if (spec) {
      const value =
        spec.strategy === 'zero' ? 0 : spec.strategy === 'constant' ? spec.value : spec.strategy === 'mean' ? num(stats?.mean) : num(stats?.median);
      impute.push({ column: f.column, view: f.view.name, feature: f.feature.name, strategy: spec.strategy, value });
    }
    if (wantProfile && numeric && stats) {
      const edges = [...new Set((stats.deciles ?? []).map(Number).filter(Number.isFinite))].sort((a, b) => a - b);
      const counts = new Array<number>(edges.length + 1).fill(0);
      if (edges.length) {
        const r = await s.query<{ b: number; n: number }>(
          `select width_bucket(${c}::float8, $1::float8[]) as b, count(*)::float8 as n from ${from} as q where ${c} is not null group by 1`,
          [`{${edges.join(',')}}`],
        );
        for (const row of r.rows) counts[Number(row.b)]! += Number(row.n);
      } else counts[0] = Number(stats.n);
      const n = Number(stats.n);
      profile.push({
        column: f.column, view: f.view.name, feature: f.feature.name, count: n, nulls: Number(stats.total) - n,
        edges, shares: counts.map((x) => (n === 0 ? 0 : x / n)),
      });
    }
  }
  return { impute, profile };
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/**
 * Bucket of a value for a profile's edges: the number of edges <= v (as width_bucket).
 *
 * @example bucketOf(5.35, [1, 3, 4, 6]) // 3
 */
export function bucketOf(v: number, edges: readonly number[]): number {
  let b = 0;
  while (b < edges.length && edges[b]! <= v) b++;
  return b;
}

/**
 * The online value for a feature column given the training set's imputation (NULL, expired
 * and missing values all become the imputed value, as NULLs did offline).
 *
 * @example applyImpute(null, { strategy: 'mean', value: 41.3, … }) // 41.3
 */
export function applyImpute<T>(value: T | null, imp: ImputedValue | undefined): T | string | number | boolean | null {
  if (value !== null && value !== undefined) return value;
  return imp ? imp.value : null;
}
