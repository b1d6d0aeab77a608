import { join, resolve } from 'node:path';
import { loadProjectSemantics, semanticFiles, semanticManifest, type SemanticLayer } from '../../semantic/index.js';
import type { Command } from 'commander';
import { compiledPath, compileProject, readManifest, writeAtomic, writeManifest, type CompiledProject, type ManifestNode } from '../../compiler/index.js';
import { CompileError, type Diagnostic } from '../../diagnostics/index.js';
import { loadSelectorsFile, selectNodes } from '../../graph/index.js';
import type { ProjectFiles } from '../../project/types.js';
import { addProjectOptions, addSelectionOptions, load, projectRoot, reporterFor, timed, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';

/** Loads, compiles and selects; shared by compile, ls and (later) run/build/test. */
export async function compileAndSelect(
  opts: CommonOptions & { cache?: boolean },
  resourceTypes?: readonly string[],
  extra: { readonly writeCompiledSql?: boolean; readonly empty?: boolean } = {},
): Promise<{ files: ProjectFiles; compiled: CompiledProject; selected: string[]; semantic?: SemanticLayer }> {
  const files = await load(opts);
  const compiled = await timed('compile', () => compileProject(files, { fullRefresh: opts.fullRefresh ?? false, useCache: opts.cache !== false, ...extra }));
  const semantic = await loadSemantics(files, compiled.manifest);
  const state = opts.state ? await readManifest(resolve(opts.state)) : undefined;
  if (opts.state && !state) {
    throw new CompileError([
      {
        code: 'state-invalid',
        severity: 'error',
        message: `no manifest.json in --state directory '${opts.state}'`,
        hint: 'point --state at the target/ directory of a previous compile (e.g. copied from main)',
      },
    ]);
  }
  const selectorsFile = loadSelectorsFile(files.root);
  if (selectorsFile.diagnostics.length) throw new CompileError(selectorsFile.diagnostics);
  const { ids, diagnostics } = selectNodes(compiled.graph, compiled.manifest, {
    ...(opts.select ? { select: opts.select } : {}),
    ...(opts.exclude ? { exclude: opts.exclude } : {}),
    ...(state ? { state } : {}),
    ...(resourceTypes ? { resourceTypes } : {}),
    ...(opts.selector ? { selector: opts.selector } : {}),
    ...(selectorsFile.selectors ? { selectors: selectorsFile.selectors } : {}),
    ...(opts.uniqueIds ? { uniqueIds: opts.uniqueIds } : {}),
    artifacts: { ...(opts.state ? { stateDir: resolve(opts.state) } : {}), targetDir: join(files.root, files.config.targetPath) },
  });
  if (diagnostics.some((d) => d.severity === 'error')) throw new CompileError(diagnostics);
  return { files, compiled, selected: ids, ...(semantic ? { semantic } : {}) };
}

export function registerCompile(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  const cmd = program
    .command('compile')
    .description('render every model, test and snapshot to SQL; write target/manifest.json and target/compiled/')
    .option('--full-refresh', 'compile as for a full refresh (is_incremental() is false)')
    .option('--no-cache', 'ignore target/ caches and render everything')
    .option('--no-introspect', 'do not connect: models that ask the database (run_query, introspection) keep their parse-time SQL');
  addSelectionOptions(addProjectOptions(cmd)).action(async (opts: CommonOptions & { cache?: boolean; introspect?: boolean }) => {
    const reporter = reporterFor(opts);
    await run(reporter, async () => {
      const started = performance.now();
      const { files, compiled, selected } = await compileAndSelect(opts);
      // As `dbt compile`: nodes whose render asks the database are rendered again with a connection.
      const dynamic = selected.filter((id) => compiled.manifest.nodes[id]?.strata.dynamic);
      if (opts.introspect !== false && dynamic.length > 0) {
        await renderDynamic(files, compiled, dynamic, reporter);
      }
      const ms = Math.round(performance.now() - started);
      reporter.diagnostics(compiled.warnings, projectRoot(opts));
      const { rendered, reused, nodes, written } = compiled.stats;
      // One selected model (its tests come along with it): print its SQL, as `dbt compile -s` does.
      const printable = selected.filter((id) => compiled.manifest.nodes[id]?.resource_type !== 'test');
      if (opts.select && printable.length === 1) {
        reporter.result(compiled.manifest.nodes[printable[0]!]?.compiled_code ?? '');
      }
      if (opts.select && selected.length === 0) {
        reporter.warn(`the selection ${opts.select.join(' ')} matched no nodes`, { event: 'empty_selection' });
      }
      reporter.info(
        `Compiled ${nodes} nodes (${rendered} rendered, ${reused} unchanged, ${written} files written) in ${ms} ms`,
        { nodes, rendered, reused, written, ms, selected: selected.length },
      );
      return 0;
    });
  });
}

/**
 * Renders the dynamic nodes with execute=true against the target, in DAG order, and rewrites
 * their compiled SQL (target/compiled/** and manifest.json). A node that fails to render keeps its
 * parse-time SQL and the failure is an error (exit 1), as in dbt.
 */
async function renderDynamic(files: ProjectFiles, compiled: CompiledProject, ids: readonly string[], reporter: Reporter): Promise<void> {
  const { openTargetAdapter } = await import('./execute.js');
  const { createRunRenderer } = await import('../../compiler/run-render.js');
  const { adapter, close } = await openTargetAdapter(files.target, reporter, { command: 'compile' });
  const nodes = compiled.manifest.nodes as Record<string, ManifestNode>;
  const failures: Diagnostic[] = [];
  try {
    const rr = createRunRenderer(files, compiled.manifest, adapter, { which: 'compile' });
    const wanted = new Set(ids);
    const order = compiled.graph.order.filter((id) => wanted.has(id));
    for (const id of order) {
      const node = nodes[id];
      if (!node) continue;
      const out = await rr.render(node);
      if (out.ok) nodes[id] = out.node;
      else failures.push(...out.diagnostics);
    }
  } finally {
    await close();
  }
  const targetDir = join(files.root, files.config.targetPath);
  for (const id of ids) {
    const n = nodes[id];
    if (!n?.compiled_code) continue;
    await writeAtomic(compiledPath(targetDir, n), n.compiled_code);
  }
  await writeManifest(targetDir, compiled.manifest);
  if (failures.length) throw new CompileError(failures);
}

/** Validates the semantic layer with the compile and writes target/semantic_manifest.json. */
async function loadSemantics(files: ProjectFiles, manifest: CompiledProject['manifest']): Promise<SemanticLayer | undefined> {
  if (semanticFiles(files).length === 0) return undefined;
  const { layer, diagnostics } = await loadProjectSemantics(files, manifest);
  if (!layer) throw new CompileError(diagnostics);
  await writeAtomic(join(files.root, files.config.targetPath, 'semantic_manifest.json'), JSON.stringify(semanticManifest(layer), null, 1));
  return layer;
}
