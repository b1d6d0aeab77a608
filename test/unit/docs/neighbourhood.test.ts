import { describe, expect, it } from 'vitest';
import { layoutNeighbourhood, NODE_W } from '../../../src/docs/lineage-layout.js';
import { childrenOf, collapseWideLevels, neighbourhood } from '../../../src/docs/neighbourhood.js';
import { searchNodes } from '../../../src/docs/search-nodes.js';

// 0 → 1 → 2 → 3 → 4, and 5 → 2, 2 → 6
const parents = [[], [0], [1, 5], [2], [3], [], [2]];
const children = childrenOf(parents);

describe('lineage neighbourhood', () => {
  it('walks parents and children up to the depth, with levels', () => {
    const n = neighbourhood(2, parents, children, { up: 1, down: 1 });
    expect(Object.fromEntries(n.levels)).toEqual({ 2: 0, 1: -1, 5: -1, 3: 1, 6: 1 });
    expect(n.edges.map((e) => e.join('>')).sort()).toEqual(['1>2', '2>3', '2>6', '5>2']);
    expect(n.truncated).toBe(false);
    expect([...neighbourhood(2, parents, children, { up: 5, down: 0 }).levels.keys()].sort()).toEqual([0, 1, 2, 5]);
  });

  it('stops at the node limit and says so', () => {
    const n = neighbourhood(2, parents, children, { up: 9, down: 9, limit: 3 });
    expect(n.levels.size).toBe(3);
    expect(n.truncated).toBe(true);
  });

  it('is fast on a 10,000-node chain-of-fans graph (only the neighbourhood is visited)', () => {
    const ps = Array.from({ length: 10_000 }, (_, i) => (i === 0 ? [] : [Math.floor((i - 1) / 3)]));
    const cs = childrenOf(ps);
    const n = neighbourhood(1, ps, cs, { up: 2, down: 2 });
    expect(n.levels.size).toBe(1 + 1 + 3 + 9);
  });

  it('lays out levels as columns, upstream left, no overlaps', () => {
    const l = layoutNeighbourhood(neighbourhood(2, parents, children, { up: 2, down: 2 }));
    const x = Object.fromEntries(l.nodes.map((n) => [n.node, n.x]));
    expect(x[0]).toBeLessThan(x[1]!);
    expect(x[1]).toBe(x[5]);
    expect(x[2]! - x[1]!).toBeGreaterThan(NODE_W);
    expect(x[4]).toBeGreaterThan(x[3]!);
    const spots = l.nodes.map((n) => `${n.x},${n.y}`);
    expect(new Set(spots).size).toBe(spots.length);
  });
});

describe('search', () => {
  it('ranks exact, prefix, word prefix, then substring matches', () => {
    const names = ['fct_orders_daily', 'orders', 'stg_orders', 'reorders', 'customers'];
    expect(searchNodes(names, 'orders').map((i) => names[i])).toEqual(['orders', 'stg_orders', 'fct_orders_daily', 'reorders']);
    expect(searchNodes(names, '  ')).toEqual([]);
  });
});

describe('collapsing wide lineage levels', () => {
  // 0 → 1..30 (level 1), 1 → 31, 2 → 32 (level 2)
  const ps: number[][] = [[], ...Array.from({ length: 30 }, () => [0]), [1], [2]];
  const cs = childrenOf(ps);
  const hood = neighbourhood(0, ps, cs, { up: 0, down: 2 });
  const name = (i: number): string => `n${String(i).padStart(2, '0')}`;

  it('keeps the first nodes of a wide level and puts the rest in one group, dropping none', () => {
    const c = collapseWideLevels(hood, 100, () => 10, name);
    const drawn = [...c.levels.keys()].filter((k) => k < 100);
    expect(c.groups).toHaveLength(1);
    expect(c.groups[0]!.level).toBe(1);
    expect(c.groups[0]!.hidden).toHaveLength(21);
    expect(drawn.length + c.groups[0]!.hidden.length).toBe(hood.levels.size);
    // Nodes with drawn children rank first: 1 and 2 stay visible (their children are at level 2).
    expect(drawn).toEqual(expect.arrayContaining([0, 1, 2, 31, 32]));
    // Edges to hidden nodes go to the group, once.
    expect(c.edges.filter(([a, b]) => a === 0 && b === 100)).toHaveLength(1);
    expect(c.edges.every(([a, b]) => c.levels.has(a) && c.levels.has(b))).toBe(true);
  });

  it('shows more of a level when asked, and nothing is grouped when the level fits', () => {
    expect(collapseWideLevels(hood, 100, (l) => (l === 1 ? 25 : 10), name).groups[0]!.hidden).toHaveLength(6);
    expect(collapseWideLevels(hood, 100, () => 40, name).groups).toEqual([]);
  });
});

describe('lineage layout with groups', () => {
  it('keeps "+N more" group nodes at the bottom of their column', () => {
    // 0 → 1, 2, 3; node 3 stands for a group here.
    const ps = [[], [0], [0], [0], [1, 2, 3]];
    const hood = neighbourhood(0, ps, childrenOf(ps), { up: 0, down: 2 });
    const l = layoutNeighbourhood(hood, (i) => `n${i}`, new Set([1]));
    const y = Object.fromEntries(l.nodes.map((n) => [n.node, n.y]));
    expect(y[1]).toBeGreaterThan(y[2]!);
    expect(y[1]).toBeGreaterThan(y[3]!);
  });
});
