import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `name` by edit distance, if it is close enough to be a plausible typo.
 *
 * @example closestMatch('stg_order', ['stg_orders', 'customers']) // 'stg_orders'
 */
export function closestMatch(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(name.length, best.length) / 3));
  return bestDist <= limit ? best : undefined;
}

/** "did you mean 'x'?" or undefined. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const m = closestMatch(name, candidates);
  return m === undefined ? undefined : `did you mean '${m}'?`;
}
