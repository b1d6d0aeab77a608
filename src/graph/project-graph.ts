import { DirectedGraph } from 'graphology';
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
  type Attachable = { unique_id: string; name: string; package_name: string; original_file_path: string; fqn: readonly string[]; tags: readonly string[]; config: Readonly<Record<string, unknown>>; loc: { line: number; col: number } };
  const add = (n: Attachable, resourceType: string): void => {
    g.addNode(n.unique_id, {
      resourceType,
      name: n.name,
      packageName: n.package_name,
      file: n.original_file_path,
      fqn: n.fqn,
      tags: n.tags,
      config: n.config,
      line: n.loc.line,
      col: n.loc.col,
    });
  };
  for (const n of Object.values(manifest.sources)) add(n, 'source');
  for (const n of Object.values(manifest.nodes)) add(n, n.resource_type);
  // Exposures are end nodes: nothing depends on them.
  for (const n of Object.values(manifest.exposures ?? {})) add(n, 'exposure');
  // Adjacency arrays alongside the graphology store: ordering over plain arrays is several times
  // faster than graphology-dag's topologicalSort plus neighbour iteration at 30k nodes.
  const index = new Map<string, number>();
  const ids: string[] = [];
  g.forEachNode((id) => {
    index.set(id, ids.length);
    ids.push(id);
  });
  const children: number[][] = ids.map(() => []);
  const indegree = new Array<number>(ids.length).fill(0);
  for (const n of [...Object.values(manifest.nodes), ...Object.values(manifest.exposures ?? {})]) {
    const child = index.get(n.unique_id)!;
    const seen = new Set<string>();
    for (const parent of n.depends_on.nodes) {
      const p = index.get(parent);
      if (p === undefined || seen.has(parent)) continue;
      seen.add(parent);
      g.addDirectedEdge(parent, n.unique_id);
      children[p]!.push(child);
      indegree[child]!++;
    }
  }
  const order = stableTopologicalOrder(ids, children, indegree);
  if (!order) return { graph: undefined, diagnostics: findCycles(g) };
  return { graph: { graph: g, order }, diagnostics: [] };
}

/**
 * Kahn's algorithm over adjacency arrays. Nodes are ordered by generation (longest path from a
 * root), ties by id, so the order never depends on insertion order. Undefined on a cycle.
 */
function stableTopologicalOrder(ids: readonly string[], children: readonly number[][], indegree: number[]): string[] | undefined {
  const depth = new Array<number>(ids.length).fill(0);
  const queue: number[] = [];
  for (let i = 0; i < ids.length; i++) if (indegree[i] === 0) queue.push(i);
  for (let head = 0; head < queue.length; head++) {
    const i = queue[head]!;
    for (const c of children[i]!) {
      if (depth[c]! < depth[i]! + 1) depth[c] = depth[i]! + 1;
      if (--indegree[c]! === 0) queue.push(c);
    }
  }
  if (queue.length < ids.length) return undefined;
  queue.sort((a, b) => depth[a]! - depth[b]! || (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
  return queue.map((i) => ids[i]!);
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
