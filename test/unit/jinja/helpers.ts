import { createRenderer } from '../../../src/compiler/jinja/index.js';
import type { QueryTable, Renderer, RendererOptions, RenderNode, RenderResult } from '../../../src/compiler/jinja/index.js';
import type { SourceFile } from '../../../src/project/types.js';

export function file(path: string, contents: string): SourceFile {
  return { path, contents, hash: '' };
}

export const TARGET = { name: 'dev', type: 'postgres', schema: 'analytics', database: 'warehouse', dbname: 'warehouse', threads: 4 };

/** A query result in the shape the renderer's queryRunner returns (text columns). */
export function table(columns: readonly string[], rows: readonly (readonly unknown[])[]): QueryTable {
  return { columns: columns.map((name) => ({ name, typeId: 25 })), rows, rowCount: rows.length };
}

/** A renderer; with a queryRunner it renders as at execution time (`execute` true). */
export function makeRenderer(opts: Partial<RendererOptions> = {}): Renderer {
  return createRenderer({
    ...(opts.queryRunner ? { execute: true } : {}),
    projectName: 'shop',
    macroFiles: [],
    docFiles: [],
    target: TARGET,
    projectVars: {},
    cliVars: {},
    env: {},
    ...opts,
  });
}

export function node(overrides: Partial<RenderNode> = {}): RenderNode {
  const name = overrides.name ?? 'orders';
  return {
    unique_id: `model.shop.${name}`,
    name,
    resource_type: 'model',
    package_name: 'shop',
    original_file_path: `models/${name}.sql`,
    database: 'warehouse',
    schema: 'analytics',
    alias: name,
    config: {},
    ...overrides,
  };
}

/** Render and return the result, failing loudly with the diagnostics otherwise. */
export function ok(r: Renderer, src: string, n: RenderNode = node()): RenderResult {
  const out = r.render(n, src);
  if (!out.ok) throw new Error(`render failed: ${JSON.stringify(out.diagnostics)}`);
  return out.result;
}

/** Shorthand: rendered SQL with placeholders shown as ⟨ref:pkg:name⟩ / ⟨src:s:t⟩. */
export function sql(r: Renderer, src: string, n: RenderNode = node()): string {
  return show(ok(r, src, n).sql);
}

export function show(s: string): string {
  return s.replace(/\u0000(ref|src)\u0001([^\u0000\u0001]*)\u0001([^\u0000\u0001]*)\u0000/g, '⟨$1:$2:$3⟩');
}
