import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { setAnnounced } from './first-line.js';
import { invocation } from './progress.js';
import { isCompileError } from '../diagnostics/index.js';
import { PROJECT_FILE_NAMES } from '../project/index.js';
import { registerClean } from './commands/clean.js';
import { registerCompile } from './commands/compile.js';
import { registerDebug } from './commands/debug.js';
import { registerDeps } from './commands/deps.js';
import { registerDocs } from './commands/docs.js';
import { registerExecute } from './commands/execute.js';
import { registerFeatures } from './commands/features.js';
import { registerInit } from './commands/init.js';
import { registerLs } from './commands/ls.js';
import { registerQuery } from './commands/query.js';
import { registerShow } from './commands/show.js';
import { registerClone } from './commands/clone.js';
import { registerRunOperation } from './commands/run-operation.js';
import { registerServe } from './commands/serve.js';
import { registerToken } from './commands/token.js';
import { registerQuality } from './commands/quality.js';
import { registerSourceFreshness } from './commands/source-freshness.js';
import { registerTest } from './commands/test.js';
import { registerParse } from './commands/parse.js';
import { registerRetry } from './commands/retry.js';
import { globalSettings, logDir, resolveGlobals, setGlobals, type GlobalOptions } from './common.js';
import { Reporter } from './reporter.js';

export const VERSION = '0.1.0';

function hasProjectFile(dir: string): boolean {
  return PROJECT_FILE_NAMES.some((f) => existsSync(join(resolve(dir), f)));
}

/**
 * Runs the CLI and resolves to the exit code: 0 ok, 1 a node or test failed, 2 usage, config or
 * compile error (nothing sent to the database).
 *
 * @example await main(['node', 'strata', 'compile', '--project-dir', 'examples/shop'])
 */
export async function main(argv: readonly string[], opts: { readonly startedAt?: number; readonly announced?: boolean } = {}): Promise<number> {
  invocation.startedAt = opts.startedAt ?? performance.now();
  setAnnounced(opts.announced ?? false);
  // `strata compile -s x | head`: a closed pipe is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') === 0) {
      stream.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
        throw e;
      });
    }
  }
  let exitCode = 0;
  let root: string | undefined;
  setGlobals(resolveGlobals({}, {}));
  const run = async (reporter: Reporter, f: () => Promise<number>): Promise<number> => {
    const started = performance.now();
    try {
      const bad = globalSettings().error;
      if (bad) throw bad;
      exitCode = await f();
    } catch (e) {
      if (isCompileError(e)) {
        reporter.diagnostics(e.diagnostics, root ?? process.cwd());
        exitCode = 2;
      } else throw e;
    } finally {
      // A command that failed before reading the project still logs into it when there is one.
      if (!reporter.logPath && root && hasProjectFile(root)) reporter.attachLog(logDir(resolve(root), undefined));
      reporter.debug(`command finished in ${Math.round(performance.now() - started)} ms, exit code ${exitCode}`, { event: 'command_end', exit_code: exitCode, ms: Math.round(performance.now() - started) });
    }
    return exitCode;
  };
  const program = new Command('strata')
    .description('dbt-compatible SQL transformations, semantic layer and feature store for PostgreSQL')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError()
    .option('--warn-error', 'treat every warning as an error (compile-time warnings exit 2, warn tests fail the run); env STRATA_WARN_ERROR / DBT_WARN_ERROR')
    .option('--warn-error-options <json>', 'which warnings are errors: \'{"error": ["config-unknown-key"]}\' or \'{"error": "all", "warn": [...]}\'; env DBT_WARN_ERROR_OPTIONS')
    .option('-d, --debug', 'debug lines on stderr: phase timings and every SQL statement with its duration')
    .option('--log-path <dir>', "directory of strata.log (default: the project file's log-path, else logs/)")
    .hook('preAction', (_this, action) => {
      const o = action.opts<{ projectDir?: string }>();
      root = o.projectDir ?? process.cwd();
      setGlobals(resolveGlobals(program.opts<GlobalOptions>(), process.env));
    });
  registerInit(program, run);
  registerDebug(program, run);
  registerCompile(program, run);
  registerLs(program, run);
  registerQuery(program, run);
  registerShow(program, run);
  registerClone(program, run);
  registerServe(program, run);
  registerToken(program, run);
  registerExecute(program, run, 'seed', 'load CSV seeds into tables (COPY)', ['seed']);
  registerExecute(program, run, 'snapshot', 'record changes of snapshot queries (SCD type 2 history)', ['snapshot']);
  registerExecute(program, run, 'run', 'build the selected models in dependency order', ['model']);
  registerExecute(program, run, 'build', 'seeds, snapshots, models and their tests, in DAG order', ['seed', 'snapshot', 'model', 'test', 'unit_test']);
  registerTest(program, run);
  registerRunOperation(program, run);
  registerSourceFreshness(program, run);
  registerParse(program, run);
  registerRetry(program, run);
  registerQuality(program, run);
  registerFeatures(program, run);
  registerDocs(program, run);
  registerDeps(program, run);
  registerClean(program, run);
  try {
    await program.parseAsync(argv as string[]);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; unknown commands/options are usage errors.
      return e.exitCode === 0 ? 0 : 2;
    }
    throw e;
  }
  return exitCode;
}
