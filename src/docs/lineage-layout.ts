import type { Neighbourhood } from './neighbourhood.js';

export interface LaidOutNode {
  readonly node: number;
  readonly x: number;
  readonly y: number;
}

export interface Layout {
  readonly nodes: readonly LaidOutNode[];
  readonly width: number;
  readonly height: number;
}

export const NODE_W = 200;
export const NODE_H = 30;
const GAP_X = 90;
const GAP_Y = 14;

/**
 * A layered layout of a neighbourhood: one column per level (upstream left, downstream right),
 * rows ordered by the barycentre of their neighbours in the previous column (two sweeps), which
 * removes most edge crossings in the small graphs we draw.
 *
 * @example layoutNeighbourhood(neighbourhood(2, parents, children, { up: 1, down: 1 }))
 * // { nodes: [{node: 0, x: 0, y: 0}, {node: 2, x: 290, y: 0}, …], width: 780, height: 30 }
 */
export function layoutNeighbourhood(n: Neighbourhood, name: (i: number) => string = String, last: ReadonlySet<number> = new Set()): Layout {
  const columns = new Map<number, number[]>();
  for (const [node, level] of n.levels) {
    const col = columns.get(level) ?? [];
    col.push(node);
    columns.set(level, col);
  }
  const levels = [...columns.keys()].sort((a, b) => a - b);
  for (const l of levels) columns.get(l)!.sort((a, b) => Number(last.has(a)) - Number(last.has(b)) || name(a).localeCompare(name(b)));
  const neighbours = new Map<number, number[]>();
  for (const [a, b] of n.edges) {
    neighbours.set(a, [...(neighbours.get(a) ?? []), b]);
    neighbours.set(b, [...(neighbours.get(b) ?? []), a]);
  }
  const row = new Map<number, number>();
  const assignRows = (l: number): void => columns.get(l)!.forEach((node, i) => row.set(node, i));
  levels.forEach(assignRows);
  const sweep = (order: readonly number[], from: (l: number) => number): void => {
    for (const l of order) {
      const prev = from(l);
      if (!columns.has(prev)) continue;
      const prevNodes = new Set(columns.get(prev));
      const bary = (node: number): number => {
        const rs = (neighbours.get(node) ?? []).filter((m) => prevNodes.has(m)).map((m) => row.get(m)!);
        return rs.length ? rs.reduce((s, r) => s + r, 0) / rs.length : row.get(node)!;
      };
      const keyed = columns.get(l)!.map((node) => [node, bary(node)] as const);
      // Nodes in `last` ("+N more" groups) stay at the bottom of their column.
      keyed.sort((a, b) => Number(last.has(a[0])) - Number(last.has(b[0])) || a[1] - b[1]);
      columns.set(l, keyed.map(([node]) => node));
      assignRows(l);
    }
  };
  // Outwards from the focus column in both directions, then back.
  const up = levels.filter((l) => l < 0).reverse();
  const down = levels.filter((l) => l > 0);
  sweep(up, (l) => l + 1);
  sweep(down, (l) => l - 1);
  sweep([...up].reverse(), (l) => l - 1);
  const tallest = Math.max(...levels.map((l) => columns.get(l)!.length));
  const height = tallest * (NODE_H + GAP_Y) - GAP_Y;
  const nodes: LaidOutNode[] = [];
  levels.forEach((l, ci) => {
    const col = columns.get(l)!;
    const offset = (height - (col.length * (NODE_H + GAP_Y) - GAP_Y)) / 2;
    col.forEach((node, i) => nodes.push({ node, x: ci * (NODE_W + GAP_X), y: offset + i * (NODE_H + GAP_Y) }));
  });
  return { nodes, width: levels.length * (NODE_W + GAP_X) - GAP_X, height };
}
