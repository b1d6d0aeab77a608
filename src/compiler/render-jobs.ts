import type { RenderNode, RenderOutcome, Renderer } from './jinja/types.js';

/** One template to render: a file body, or a generic test with its YAML arguments. */
export interface RenderJob {
  readonly node: RenderNode;
  readonly body: string;
  readonly generic?: {
    readonly testName: string;
    readonly kwargs: Readonly<Record<string, unknown>>;
    readonly model: { readonly kind: 'ref'; readonly name: string } | { readonly kind: 'source'; readonly source: string; readonly table: string };
  };
}

/** Renders jobs in order on one renderer. Plain data in, plain data out (also used by workers). */
export function renderJobs(jobs: readonly RenderJob[], getRenderer: () => Renderer): RenderOutcome[] {
  if (jobs.length === 0) return [];
  const r = getRenderer();
  return jobs.map((j) =>
    j.generic ? r.renderGenericTest(j.node, j.generic.testName, j.generic.kwargs, j.generic.model) : r.render(j.node, j.body),
  );
}
