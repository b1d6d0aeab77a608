import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { CompileError } from '../../diagnostics/index.js';
import { setInvocationArgs } from '../../executor/run-artifacts.js';
import { readResults } from '../../graph/index.js';
import { addProjectOptions, invocationArgs, load, reporterFor, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';
import { execute, type ExecuteOptions } from './execute.js';

/** Commands whose run_results.json `strata retry` can repeat. */
const RETRYABLE_COMMANDS = ['run', 'build', 'seed', 'snapshot', 'test'];
/** Results that are run again (dbt's retryable statuses). */
const RETRYABLE_STATUSES = ['error', 'fail', 'skipped', 'runtime error'];

interface RetryOptions extends CommonOptions {
  threads?: string;
  fullRefresh?: boolean;
  failFast?: boolean;
}

/**
 * `strata retry` (dbt retry): reruns the nodes of the last run/build/seed/snapshot/test that
 * errored, failed or were skipped, with that command and its flags (read from
 * target/run_results.json `args`); flags given to retry win.
 *
 * @example strata build; (fix the model); strata retry
 */
export function registerRetry(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  const cmd = program
    .command('retry')
    .description('rerun what errored, failed or was skipped in the last run/build/seed/snapshot/test (target/run_results.json), with the same command and flags')
    .option('--threads <n>', 'how many nodes to build at once (default: the last run\'s)')
    .option('--full-refresh', 'rebuild incremental models and seeds from scratch (default: as the last run)')
    .option('-x, --fail-fast', 'stop at the first failure (default: as the last run)');
  addProjectOptions(cmd).action(async (opts: RetryOptions) => {
    const reporter = reporterFor(opts);
    await run(reporter, () => retry(opts, reporter));
  });
}

async function retry(opts: RetryOptions, reporter: Reporter): Promise<number> {
  const files = await load(opts);
  const targetDir = join(files.root, files.config.targetPath);
  const file = relative(files.root, join(targetDir, 'run_results.json')) || 'run_results.json';
  const body = readResults(targetDir, 'run_results.json', 'strata retry', 'run strata run, build, seed, snapshot or test first: retry repeats what failed in it');
  if ('code' in body) throw new CompileError([{ ...body, file }]);
  const prev = body.args ?? {};
  const which = typeof prev['which'] === 'string' ? prev['which'] : undefined;
  if (!which || !RETRYABLE_COMMANDS.includes(which)) {
    throw new CompileError([
      {
        code: 'state-invalid',
        severity: 'error',
        message: `${file} was written by '${which ?? 'an unknown command'}', which strata retry cannot repeat`,
        file,
        hint: `retry repeats ${RETRYABLE_COMMANDS.join(', ')}`,
      },
    ]);
  }
  const ids = (body.results ?? [])
    .filter((r) => typeof r.unique_id === 'string' && typeof r.status === 'string' && RETRYABLE_STATUSES.includes(r.status))
    .map((r) => r.unique_id as string);
  if (ids.length === 0) {
    reporter.info(`Nothing to retry: the last strata ${which} had no errors, failures or skipped nodes`, { event: 'retry', command: which, nodes: 0 });
    return 0;
  }
  const str = (k: string): string | undefined => (typeof prev[k] === 'string' ? (prev[k] as string) : undefined);
  const bool = (k: string): boolean | undefined => (typeof prev[k] === 'boolean' ? (prev[k] as boolean) : undefined);
  const path = (k: string): string | undefined => (str(k) === undefined ? undefined : resolve(str(k)!));
  const o: ExecuteOptions = {
    ...(opts.projectDir ? { projectDir: opts.projectDir } : {}),
    ...defined({
      profilesDir: opts.profilesDir ?? path('profiles_dir'),
      target: opts.target ?? str('target'),
      vars: opts.vars ?? str('vars'),
      threads: opts.threads ?? (typeof prev['threads'] === 'number' ? String(prev['threads']) : str('threads')),
      fullRefresh: opts.fullRefresh ?? bool('full_refresh'),
      failFast: opts.failFast ?? bool('fail_fast'),
      state: path('state'),
      defer: bool('defer'),
      empty: bool('empty'),
      cache: bool('cache'),
      junitXml: str('junit_xml'),
    }),
    logFormat: opts.logFormat === 'json' ? 'json' : 'text',
    uniqueIds: ids,
  };
  // run_results.json of the retry records the original command's flags, so a retry can be retried
  setInvocationArgs({ ...prev, ...invocationArgs({ ...o }) });
  reporter.info(`Retrying ${ids.length} node${ids.length === 1 ? '' : 's'} of the last strata ${which} (errored, failed or skipped)`, { event: 'retry', command: which, nodes: ids.length });
  return execute(o, reporter, which, []);
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
