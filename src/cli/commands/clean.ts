import type { Command } from 'commander';
import { cleanProject } from '../../deps/index.js';
import { projectRoot, reporterFor, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';

/**
 * `strata clean`: deletes the project file's `clean-targets` (default: the target path), never
 * anything outside the project directory.
 *
 * @example strata clean --project-dir examples/shop
 */
export function registerClean(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  program
    .command('clean')
    .description("delete the directories listed in the project file's clean-targets (default: target/)")
    .option('--project-dir <dir>', 'project directory (default: current directory)')
    // accepted as dbt accepts them, so CI scripts written for dbt run unchanged (no profile is read)
    .option('--profiles-dir <dir>', 'accepted for dbt compatibility; not needed')
    .option('-t, --target <name>', 'accepted for dbt compatibility; not needed')
    .option('--log-format <format>', 'text or json (one event per line)', 'text')
    .action(async (opts: CommonOptions) => {
      const reporter = reporterFor(opts);
      reporter.noLogFile();
      await run(reporter, async () => {
        const root = projectRoot(opts);
        const r = await cleanProject(root, process.env);
        reporter.diagnostics(r.warnings, root);
        for (const t of r.cleaned) reporter.info(`Cleaned ${t}/*`, { cleaned: t });
        for (const t of r.missing) reporter.info(`Nothing to clean at ${t}/ (it does not exist)`, { missing: t });
        reporter.info('Finished cleaning all paths.');
        return 0;
      });
    });
}
