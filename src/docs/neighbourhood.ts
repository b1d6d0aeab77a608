/**
 * A node's lineage neighbourhood: the nodes within `depth` edges upstream and downstream. Only
 * this subgraph is laid out and drawn, which keeps the lineage view fast at any project size.
 */
export interface Neighbourhood {
  /** Node index → level: 0 the focus, -k k edges upstream, +k downstream. */
  readonly levels: ReadonlyMap<number, number>;
  /** Edges [parent, child] between nodes of the neighbourhood. */
  readonly edges: readonly (readonly [number, number])[];
  /** True when `limit` cut the walk short (the outermost level is incomplete). */
  readonly truncated: boolean;
}

/** children[i] from parents[i], computed once per page load (O(edges)). */
export function childrenOf(parents: readonly (readonly number[])[]): number[][] {
  const children: number[][] = parents.map(() => []);
  parents.forEach((ps, i) => {
    for (const p of ps) children[p]!.push(i);
  });
  return children;
}

/**
 * Breadth-first walk from `focus`, up to `up` levels through parents and `down` levels through
 * children, stopping at `limit` nodes.
 *
 * @example neighbourhood(2, parents, children, { up: 1, down: 1 }) // levels: {2 → 0, 0 → -1, 5 → 1}
 */
export function neighbourhood(
  focus: number,
  parents: readonly (readonly number[])[],
  children: readonly (readonly number[])[],
  o: { readonly up: number; readonly down: number; readonly limit?: number },
): Neighbourhood {
  const limit = o.limit ?? 500;
  const levels = new Map<number, number>([[focus, 0]]);
  let truncated = false;
  const walk = (next: readonly (readonly number[])[], maxDepth: number, sign: 1 | -1): void => {
    let frontier = [focus];
    for (let d = 1; d <= maxDepth && frontier.length; d++) {
      const nextFrontier: number[] = [];
      for (const n of frontier) {
        for (const m of next[n]!) {
          if (levels.has(m)) continue;
          if (levels.size >= limit) {
            truncated = true;
            return;
          }
          levels.set(m, sign * d);
          nextFrontier.push(m);
        }
      }
      frontier = nextFrontier;
    }
  };
  walk(parents, o.up, -1);
  walk(children, o.down, 1);
  const edges: [number, number][] = [];
  for (const n of levels.keys()) for (const p of parents[n]!) if (levels.has(p)) edges.push([p, n]);
  return { levels, edges, truncated };
}

/** A "+N more" node standing for the nodes of one level that are not drawn. */
export interface LevelGroup {
  /** Its id in the collapsed neighbourhood (past the last real node index). */
  readonly id: number;
  readonly level: number;
  readonly hidden: readonly number[];
}

export interface CollapsedNeighbourhood extends Neighbourhood {
  readonly groups: readonly LevelGroup[];
}

/**
 * Collapses wide levels so every level of the chosen depth can be drawn: a level with more than
 * `shown(level)` nodes keeps that many (those linked to drawn nodes of the level nearer the focus
 * first, then by name) and one group node stands for the rest; edges to hidden nodes go to the
 * group. No node is dropped: each is drawn or counted in its level's group.
 *
 * @example collapseWideLevels(n, 1000, () => 5, name) // levels of ≤ 5 nodes, the rest in groups
 */
export function collapseWideLevels(
  n: Neighbourhood,
  firstGroupId: number,
  shown: (level: number) => number,
  name: (i: number) => string,
): CollapsedNeighbourhood {
  const byLevel = new Map<number, number[]>();
  const push = (m: Map<number, number[]>, k: number, v: number): void => {
    const xs = m.get(k);
    if (xs) xs.push(v);
    else m.set(k, [v]);
  };
  for (const [node, level] of n.levels) push(byLevel, level, node);
  const linked = new Map<number, number[]>();
  for (const [a, b] of n.edges) {
    push(linked, a, b);
    push(linked, b, a);
  }
  const visible = new Set<number>();
  const groupOf = new Map<number, number>();
  const groups: LevelGroup[] = [];
  // Outwards from the focus, so "linked to a drawn node" refers to the already decided level.
  const order = [...byLevel.keys()].sort((a, b) => Math.abs(a) - Math.abs(b) || a - b);
  for (const level of order) {
    const nodes = byLevel.get(level)!;
    const limit = Math.max(1, shown(level));
    if (nodes.length <= limit) {
      nodes.forEach((x) => visible.add(x));
      continue;
    }
    const near = level === 0 ? 0 : level > 0 ? level - 1 : level + 1;
    const score = (x: number): number => (linked.get(x) ?? []).filter((m) => visible.has(m) && n.levels.get(m) === near).length;
    const ranked = nodes.map((x) => [x, score(x), name(x)] as const).sort((a, b) => b[1] - a[1] || a[2].localeCompare(b[2]));
    const keep = limit - 1;
    ranked.slice(0, keep).forEach(([x]) => visible.add(x));
    const id = firstGroupId + groups.length;
    const hidden = ranked.slice(keep).map(([x]) => x);
    hidden.forEach((x) => groupOf.set(x, id));
    groups.push({ id, level, hidden });
  }
  const rep = (x: number): number => groupOf.get(x) ?? x;
  const levels = new Map<number, number>();
  for (const [node, level] of n.levels) if (visible.has(node)) levels.set(node, level);
  for (const g of groups) levels.set(g.id, g.level);
  const seen = new Set<string>();
  const edges: [number, number][] = [];
  for (const [a, b] of n.edges) {
    const e: [number, number] = [rep(a), rep(b)];
    const key = `${e[0]}>${e[1]}`;
    if (e[0] === e[1] || seen.has(key)) continue;
    seen.add(key);
    edges.push(e);
  }
  return { levels, edges, truncated: n.truncated, groups };
}
