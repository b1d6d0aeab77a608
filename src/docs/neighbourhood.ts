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
