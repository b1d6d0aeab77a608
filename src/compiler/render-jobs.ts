import type { RelationInfo, RenderNode, RenderOutcome, Renderer } from './jinja/types.js';

/** One template to render: a file body, or a generic test with its YAML arguments. */
export interface RenderJob {
  readonly node: RenderNode;
  readonly body: string;
  readonly generic?: {
    readonly testName: string;
    readonly kwargs: Readonly<Record<string, unknown>>;
    readonly model: { readonly kind: 'ref'; readonly name: string; readonly package?: string } | { readonly kind: 'source'; readonly source: string; readonly table: string };
  };
}

/**
 * `relationFor` over the parse-time relation map (`ref:<name>`, `ref:<package>.<name>`,
 * `src:<source>.<table>`): a qualified ref (and a package node's `this`) finds its package's node.
 */
export function relationInfoLookup(
  relations: ReadonlyMap<string, RelationInfo>,
): (kind: 'ref' | 'source', a: string, b: string | null) => RelationInfo | undefined {
  return (kind, a, b) =>
    kind === 'ref'
      ? ((b !== null ? relations.get(`ref:${a}.${b}`) : undefined) ?? relations.get(`ref:${b ?? a}`))
      : relations.get(`src:${a}.${b}`);
}

/** Renders jobs in order on one renderer. Plain data in, plain data out (also used by workers). */
export function renderJobs(jobs: readonly RenderJob[], getRenderer: () => Renderer): RenderOutcome[] {
  if (jobs.length === 0) return [];
  const r = getRenderer();
  return jobs.map((j) =>
    j.generic ? r.renderGenericTest(j.node, j.generic.testName, j.generic.kwargs, j.generic.model) : r.render(j.node, j.body),
  );
}
