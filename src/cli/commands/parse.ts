import { join } from 'node:path';
import type { Command } from 'commander';
import { writeAtomic } from '../../compiler/index.js';
import { addProjectOptions, projectRoot, reporterFor, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';
import { compileAndSelect } from './compile.js';

/**
 * `strata parse` (dbt's): reads the project, writes `target/manifest.json` (and
 * `semantic_manifest.json` when there is a semantic layer) and `target/perf_info.json`. Never
 * connects: templates are rendered as at compile time (that is how refs, sources and configs
 * are found), `target/compiled/` is not written, and nodes that ask the database keep their
 * parse-time SQL. Exit 2 on any error in the project.
 *
 * @example strata parse --project-dir examples/shop
 */
export function registerParse(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  const cmd = program
    .command('parse')
    .description('read the project and write target/manifest.json, without connecting to the database')
    .option('--no-cache', 'ignore target/ caches and render everything');
  addProjectOptions(cmd).action(async (opts: CommonOptions & { cache?: boolean }) => {
    const reporter = reporterFor(opts);
    await run(reporter, async () => {
      const started = performance.now();
      const { files, compiled } = await compileAndSelect(opts, undefined, { writeCompiledSql: false });
      const elapsed = (performance.now() - started) / 1000;
      reporter.diagnostics(compiled.warnings, projectRoot(opts));
      const targetDir = join(files.root, files.config.targetPath);
      const { rendered, reused, nodes } = compiled.stats;
      // dbt's perf_info.json fields that mean something here
      await writeAtomic(
        join(targetDir, 'perf_info.json'),
        JSON.stringify(
          {
            path_count: rendered + reused,
            parsed_path_count: rendered,
            static_analysis_path_count: 0,
            is_partial_parse_enabled: opts.cache !== false,
            is_static_analysis_enabled: false,
            load_all_elapsed: elapsed,
            projects: [{ project_name: files.config.name, elapsed, parsers: [], parsed_path_count: rendered }],
          },
          null,
          2,
        ),
      );
      reporter.info(`Parsed ${nodes} nodes (${rendered} rendered, ${reused} unchanged) in ${Math.round(elapsed * 1000)} ms; wrote ${join(files.config.targetPath, 'manifest.json')}`, {
        event: 'parse_done',
        nodes,
        rendered,
        reused,
        ms: Math.round(elapsed * 1000),
      });
      return 0;
    });
  });
}
