import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { writeAtomic } from '../../compiler/artifacts.js';
import { CompileError } from '../../diagnostics/index.js';
import { generateDocs } from '../../docs/generate-docs.js';
import { liveCatalog } from '../../docs/live-catalog.js';
import { loadProjectFeatures } from '../../features/index.js';
import { addProjectOptions, reporterFor, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';
import { compileAndSelect } from './compile.js';
import { openTargetAdapter } from './execute.js';
import { addHttpApiOptions, addServingOptions, serve, type ServeOptions } from './serve.js';

interface DocsOptions extends CommonOptions {
  cache?: boolean;
  catalog?: boolean;
}

/**
 * `strata docs generate`: the static docs site with lineage in `target/docs/`; `strata docs
 * serve`: that site at `/` plus the metric API (for the explorer) on one port.
 */
export function registerDocs(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  const docs = program.command('docs').description('documentation site: catalog, lineage, metric explorer');
  const cmd = docs
    .command('generate')
    .description('compile, compute column lineage and write the static site to target/docs/ (opens from disk; `strata docs serve` serves it with the metric explorer)')
    .option('--catalog', 'also read column types from the database and write target/catalog.json')
    .option('--no-cache', 'ignore the compile and lineage caches');
  addProjectOptions(cmd).action(async (opts: DocsOptions) => {
    const reporter = reporterFor(opts);
    await run(reporter, async () => {
      const started = performance.now();
      const { files, compiled, semantic } = await compileAndSelect({ ...opts, select: [] });
      const { registry, diagnostics } = await loadProjectFeatures(files, compiled.manifest);
      if (diagnostics.some((d) => d.severity === 'error')) throw new CompileError(diagnostics);
      const targetDir = join(files.root, files.config.targetPath);
      if (opts.catalog) {
        const { adapter, close } = await openTargetAdapter(files.target, reporter, { command: 'docs generate' });
        try {
          await writeAtomic(join(targetDir, 'catalog.json'), JSON.stringify(await liveCatalog(adapter.query.bind(adapter), compiled.manifest)));
        } finally {
          await close();
        }
      }
      const r = await generateDocs({
        root: files.root,
        targetPath: files.config.targetPath,
        manifest: compiled.manifest,
        order: compiled.graph.order,
        useCache: opts.cache !== false,
        ...(semantic ? { semantic } : {}),
        ...(registry ? { features: registry } : {}),
      });
      const ms = Math.round(performance.now() - started);
      const where = relative(process.cwd(), join(r.outDir, 'index.html')) || 'index.html';
      reporter.info(
        `Documented ${r.nodes} nodes (${r.models} models; column lineage: ${r.lineage.resolved} complete, ${r.lineage.partial} with unresolved columns, ${r.lineage.failed} unknown) in ${ms} ms`,
        { event: 'docs_generated', nodes: r.nodes, models: r.models, lineage: r.lineage, ms, lineage_ms: r.ms.lineage, write_ms: r.ms.write, bytes: r.bytes, path: r.outDir },
      );
      reporter.info(`Open ${where} in a browser, or run \`strata docs serve\` (with the metric explorer)`);
      return 0;
    });
  });
  const serveCmd = docs
    .command('serve')
    .description('serve target/docs/ at / and the metric API (same tokens as strata serve) on one port; the explorer queries it')
    .option('--port <n>', 'port to listen on (0: any free port)', '8080')
    .option('--dev [role]', 'allow anonymous API requests as this role (development only; loopback only)');
  addProjectOptions(addServingOptions(addHttpApiOptions(serveCmd))).action(async (opts: ServeOptions) => {
    const reporter = reporterFor(opts);
    await run(reporter, () => serve({ ...opts, docsAtRoot: true }, reporter));
  });
}
