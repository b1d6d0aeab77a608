/**
 * dbt's build ordering: a model's children wait for the model's tests, so a failing
 * error-severity test skips everything downstream. An edge test → child is added when the
 * child is downstream of EVERY node the test reads (for a relationships test of A to B, a child
 * of A waits only if B is upstream of it too), which can never create a cycle.
 */
import type { Manifest } from '../compiler/types.js';

/**
 * Extra parents (tests) per selected node, for `runDag`.
 *
 * @example testEdges(manifest, ['model.p.a', 'test.p.not_null_a_id', 'model.p.b'])
 * // Map { 'model.p.b' => ['test.p.not_null_a_id'] }   (b selects from a)
 */
export function testEdges(manifest: Manifest, ids: readonly string[]): Map<string, string[]> {
  const selected = new Set(ids);
  const out = new Map<string, string[]>();
  const upstream = (from: string, wanted: ReadonlySet<string>): boolean => {
    const left = new Set(wanted);
    left.delete(from);
    const seen = new Set<string>([from]);
    const stack = [from];
    while (stack.length && left.size) {
      const id = stack.pop()!;
      for (const p of manifest.parent_map[id] ?? manifest.nodes[id]?.depends_on.nodes ?? []) {
        if (seen.has(p)) continue;
        seen.add(p);
        left.delete(p);
        stack.push(p);
      }
    }
    return left.size === 0;
  };
  for (const id of ids) {
    const t = manifest.nodes[id];
    // dbt build: a model waits for its unit tests; a failing one skips it and its children.
    if (t?.resource_type === 'unit_test' && t.attached_node && selected.has(t.attached_node)) {
      out.set(t.attached_node, [...(out.get(t.attached_node) ?? []), id]);
      continue;
    }
    if (!t || t.resource_type !== 'test') continue;
    const deps = new Set(t.depends_on.nodes);
    if (deps.size === 0) continue;
    for (const d of deps) {
      for (const c of manifest.child_map[d] ?? []) {
        const child = manifest.nodes[c];
        if (!child || child.resource_type === 'test' || !selected.has(c) || deps.has(c)) continue;
        if (out.get(c)?.includes(id)) continue;
        if (!upstream(c, deps)) continue;
        const list = out.get(c);
        if (list) list.push(id);
        else out.set(c, [id]);
      }
    }
  }
  return out;
}
