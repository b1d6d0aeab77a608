import { DirectedGraph } from 'graphology';
import { hasCycle, topologicalSort } from 'graphology-dag';
import type { Manifest } from '../compiler/types.js';
import { error, type Diagnostic } from '../diagnostics/index.js';

/** Attributes kept on every graph node: just what selection needs, all plain data. */
export interface GraphNodeAttrs {
  readonly resourceType: string;
  readonly name: string;
  readonly packageName: string;
  readonly file: string;
  readonly fqn: readonly string[];
  readonly tags: readonly string[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly line: number;
  readonly col: number;
}

/**
 * The project's dependency DAG: nodes are manifest unique ids (models, seeds, snapshots, tests,
 * sources), edges point from a parent to the node that depends on it.
 */
export interface ProjectGraph {
  readonly graph: DirectedGraph<GraphNodeAttrs>;
  /** All node ids in a stable topological order (parents first, ties by id). */
  readonly order: readonly string[];
}

/**
 * Builds the DAG from a manifest and rejects cycles with the full path and each file:line.
 *
 * @example
 * const { graph, diagnostics } = buildProjectGraph(manifest);
 * // diagnostics: [{code: 'cycle', message: 'a -> b -> a', file: 'models/a.sql', line: 1}]
 */
export function buildProjectGraph(manifest: Manifest): {
  graph: ProjectGraph | undefined;
  diagnostics: Diagnostic[];
} {
  const g = new DirectedGraph<GraphNodeAttrs>();
  for (const n of Object.values(manifest.sources)) {
    g.addNode(n.unique_id, {
      resourceType: 'source',
      name: n.name,
      packageName: n.package_name,
      file: n.original_file_path,
      fqn: n.fqn,
      tags: n.tags,
      config: n.config,
      line: n.loc.line,
      col: n.loc.col,
    });
  }
  for (const n of Object.values(manifest.nodes)) {
    g.addNode(n.unique_id, {
      resourceType: n.resource_type,
      name: n.name,
      packageName: n.package_name,
      file: n.original_file_path,
      fqn: n.fqn,
      tags: n.tags,
      config: n.config,
      line: n.loc.line,
      col: n.loc.col,
    });
  }
  for (const n of Object.values(manifest.nodes)) {
    for (const parent of n.depends_on.nodes) {
      if (g.hasNode(parent) && !g.hasDirectedEdge(parent, n.unique_id)) {
        g.addDirectedEdge(parent, n.unique_id);
      }
    }
  }
  if (hasCycle(g)) {
    return { graph: undefined, diagnostics: findCycles(g) };
  }
  return { graph: { graph: g, order: stableTopologicalOrder(g) }, diagnostics: [] };
}

/** Kahn's algorithm with a sorted ready set, so the order never depends on insertion order. */
function stableTopologicalOrder(g: DirectedGraph<GraphNodeAttrs>): string[] {
  // graphology-dag gives a valid order; we re-sort within each generation for determinism.
  const order = topologicalSort(g);
  const depth = new Map<string, number>();
  for (const id of order) {
    let d = 0;
    g.forEachInNeighbor(id, (p) => {
      d = Math.max(d, (depth.get(p) ?? 0) + 1);
    });
    depth.set(id, d);
  }
  return order.sort((a, b) => (depth.get(a)! - depth.get(b)!) || (a < b ? -1 : a > b ? 1 : 0));
}

/** One diagnostic per distinct cycle, naming every node on it and where it is defined. */
function findCycles(g: DirectedGraph<GraphNodeAttrs>): Diagnostic[] {
  const state = new Map<string, 1 | 2>(); // 1 = on stack, 2 = done
  const stack: string[] = [];
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  const visit = (start: string): void => {
    // Iterative DFS: projects can be deep enough to overflow recursion.
    const iters: [string, string[]][] = [[start, g.outNeighbors(start).sort()]];
    state.set(start, 1);
    stack.push(start);
    while (iters.length) {
      const top = iters[iters.length - 1]!;
      const next = top[1].shift();
      if (next === undefined) {
        state.set(top[0], 2);
        stack.pop();
        iters.pop();
        continue;
      }
      const s = state.get(next);
      if (s === 1) {
        const cycle = stack.slice(stack.indexOf(next));
        const key = [...cycle].sort().join('|');
        if (!seen.has(key)) {
          seen.add(key);
          out.push(cycleDiagnostic(g, cycle));
        }
      } else if (s === undefined) {
        state.set(next, 1);
        stack.push(next);
        iters.push([next, g.outNeighbors(next).sort()]);
      }
    }
  };
  for (const id of [...g.nodes()].sort()) if (!state.has(id)) visit(id);
  return out;
}

function cycleDiagnostic(g: DirectedGraph<GraphNodeAttrs>, cycle: string[]): Diagnostic {
  const names = cycle.map((id) => g.getNodeAttributes(id).name);
  const first = g.getNodeAttributes(cycle[0]!);
  const where = cycle
    .map((id) => {
      const a = g.getNodeAttributes(id);
      return `${a.name} (${a.file}:${a.line})`;
    })
    .join(' -> ');
  return error('cycle', `dependency cycle: ${[...names, names[0]].join(' -> ')}`, {
    file: first.file,
    line: first.line,
    col: first.col,
    node: cycle[0],
    hint: `remove one of the refs along ${where} -> ${first.name}`,
  });
}
