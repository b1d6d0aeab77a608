import { describe, expect, it } from 'vitest';
import { layoutNeighbourhood, NODE_W } from '../../../src/docs/lineage-layout.js';
import { childrenOf, neighbourhood } from '../../../src/docs/neighbourhood.js';
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
