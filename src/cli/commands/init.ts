import { resolve } from 'node:path';
import type { Command } from 'commander';
import { scaffoldProject } from '../../project/index.js';
import { reporterFor, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';

export function registerInit(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  program
    .command('init')
    .description('scaffold a new Strata project (embedded database by default)')
    .argument('[name]', 'project name (also the directory created)', 'my_project')
    .option('--project-dir <dir>', 'directory to create the project in (default: ./<name>)')
    .option('--log-format <format>', 'text or json', 'text')
    .action(async (name: string, opts: CommonOptions) => {
      const reporter = reporterFor(opts);
      await run(reporter, async () => {
        const dir = resolve(opts.projectDir ?? name);
        await scaffoldProject(dir, name);
        reporter.info(`Created project '${name}' in ${dir}\nNext: cd ${dir} && npm install && npx strata build`, { dir, name });
        return 0;
      });
    });
}
