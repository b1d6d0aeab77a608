import { error, type Diagnostic } from '../diagnostics/index.js';
import type { Join, Relationship, SemanticModel } from './types.js';

/** A traversable join between two models (each declared join gives both directions). */
export interface JoinEdge {
  readonly from: string;
  readonly to: string;
  readonly relationship: Relationship;
  readonly on: string;
  readonly declared: Join;
}

const INVERSE: Record<Relationship, Relationship> = {
  many_to_one: 'one_to_many',
  one_to_many: 'many_to_one',
  one_to_one: 'one_to_one',
};

/** Joins that never multiply rows of the side we start from. */
export function fanOutSafe(r: Relationship): boolean {
  return r === 'many_to_one' || r === 'one_to_one';
}

export function joinEdges(models: Readonly<Record<string, SemanticModel>>): Map<string, JoinEdge> {
  const edges = new Map<string, JoinEdge>();
  for (const m of Object.values(models)) {
    for (const j of m.joins) {
      if (!models[j.to]) continue;
      edges.set(`${m.name}->${j.to}`, { from: m.name, to: j.to, relationship: j.relationship, on: j.on, declared: j });
      const back = `${j.to}->${m.name}`;
      if (!edges.has(back)) edges.set(back, { from: j.to, to: m.name, relationship: INVERSE[j.relationship], on: j.on, declared: j });
    }
  }
  return edges;
}

const MAX_DEPTH = 8;

/**
 * For every model, the unique fan-out-safe path to every model it can reach (following
 * many_to_one / one_to_one joins). Two different paths to the same model are ambiguous — the
 * numbers would depend on which one the planner picked — and are reported with both candidates.
 *
 * @example computeJoinPaths(models).paths.sales.region // ['customer', 'region']
 */
export function computeJoinPaths(models: Readonly<Record<string, SemanticModel>>): {
  paths: Record<string, Record<string, readonly string[]>>;
  diagnostics: Diagnostic[];
} {
  const edges = joinEdges(models);
  const out = new Map<string, JoinEdge[]>();
  for (const e of edges.values()) {
    if (!fanOutSafe(e.relationship)) continue;
    const list = out.get(e.from);
    if (list) list.push(e);
    else out.set(e.from, [e]);
  }
  for (const list of out.values()) list.sort((a, b) => (a.to < b.to ? -1 : 1));
  const paths: Record<string, Record<string, readonly string[]>> = {};
  const diagnostics: Diagnostic[] = [];
  const reported = new Set<string>();
  for (const start of Object.keys(models).sort()) {
    const found: Record<string, string[][]> = {};
    const walk = (at: string, path: string[]): void => {
      if (path.length >= MAX_DEPTH) return;
      for (const e of out.get(at) ?? []) {
        if (e.to === start || path.includes(e.to)) continue;
        const next = [...path, e.to];
        (found[e.to] ??= []).push(next);
        walk(e.to, next);
      }
    };
    walk(start, []);
    paths[start] = {};
    for (const [to, candidates] of Object.entries(found)) {
      if (candidates.length === 1) {
        paths[start][to] = candidates[0]!;
        continue;
      }
      const key = `${start}|${to}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const list = candidates.map((c) => [start, ...c].join(' -> ')).join('; ');
      diagnostics.push(
        error('ambiguous-join', `'${start}' reaches '${to}' along ${candidates.length} join paths: ${list}`, {
          ...models[start]!.loc,
          hint: 'remove or change a join so exactly one path remains (or model the second role as its own semantic model)',
        }),
      );
    }
  }
  return { paths, diagnostics };
}
