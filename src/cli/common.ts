import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CompileError, isCompileError, NO_WARN_ERROR, parseWarnErrorOptions, WARN_ERROR_ALL, type WarnErrorPolicy } from '../diagnostics/index.js';
import { loadProject } from '../project/index.js';
import type { ProjectFiles } from '../project/types.js';
import { setInvocationArgs } from '../executor/run-artifacts.js';
import { Reporter, type LogFormat } from './reporter.js';

/** The program's own flags (before or after the command name): `strata --debug run`. */
export interface GlobalOptions {
  warnError?: boolean;
  warnErrorOptions?: string;
  debug?: boolean;
  logPath?: string;
}

/** Global flags resolved with their environment variables, for one CLI invocation. */
export interface GlobalSettings {
  readonly warnError: WarnErrorPolicy;
  readonly debug: boolean;
  /** `--log-path` / DBT_LOG_PATH: wins over the project file's `log-path`. */
  readonly logPath?: string;
  /** A malformed flag value: every command fails with it (exit 2) before doing anything. */
  readonly error?: CompileError;
}

const truthy = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());

/**
 * Resolves the global flags: a flag wins over its environment variable
 * (STRATA_WARN_ERROR / DBT_WARN_ERROR, STRATA_WARN_ERROR_OPTIONS / DBT_WARN_ERROR_OPTIONS,
 * STRATA_DEBUG / DBT_DEBUG, STRATA_LOG_PATH / DBT_LOG_PATH). `--warn-error` and
 * `--warn-error-options` together are an error, as in dbt.
 */
export function resolveGlobals(o: GlobalOptions, env: NodeJS.ProcessEnv): GlobalSettings {
  const debug = o.debug ?? (truthy(env['STRATA_DEBUG']) || truthy(env['DBT_DEBUG']));
  const logPath = o.logPath ?? env['STRATA_LOG_PATH'] ?? env['DBT_LOG_PATH'];
  const base = { debug, ...(logPath ? { logPath } : {}) };
  try {
    if (o.warnError && o.warnErrorOptions !== undefined) {
      throw new CompileError([
        {
          code: 'flags-invalid',
          severity: 'error',
          message: '--warn-error and --warn-error-options cannot be used together',
          hint: "--warn-error is --warn-error-options '{\"error\": \"all\"}'; keep one of them",
        },
      ]);
    }
    let warnError: WarnErrorPolicy = NO_WARN_ERROR;
    if (o.warnError) warnError = WARN_ERROR_ALL;
    else if (o.warnErrorOptions !== undefined) warnError = parseWarnErrorOptions(o.warnErrorOptions, '--warn-error-options');
    else {
      const envOptions = env['STRATA_WARN_ERROR_OPTIONS'] !== undefined ? 'STRATA_WARN_ERROR_OPTIONS' : env['DBT_WARN_ERROR_OPTIONS'] !== undefined ? 'DBT_WARN_ERROR_OPTIONS' : undefined;
      if (truthy(env['STRATA_WARN_ERROR']) || truthy(env['DBT_WARN_ERROR'])) warnError = WARN_ERROR_ALL;
      else if (envOptions) warnError = parseWarnErrorOptions(env[envOptions]!, envOptions);
    }
    return { ...base, warnError };
  } catch (e) {
    if (!isCompileError(e)) throw e;
    return { ...base, warnError: NO_WARN_ERROR, error: e };
  }
}

let globals: GlobalSettings = { warnError: NO_WARN_ERROR, debug: false };
/** The reporter of the running command (one per CLI invocation), for `load` to attach the log. */
let current: Reporter | undefined;

/** Set by main.ts once per invocation, before the command's action runs. */
export function setGlobals(g: GlobalSettings): void {
  globals = g;
  current = undefined;
}

export function globalSettings(): GlobalSettings {
  return globals;
}

/** The reporter the running command made (undefined before `reporterFor`). */
export function currentReporter(): Reporter | undefined {
  return current;
}

/** Runs one phase of a command; `--debug` prints how long it took (and the log records it). */
export async function timed<T>(phase: string, f: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const out = await f();
  const ms = Math.round(performance.now() - started);
  current?.debug(`${phase} in ${ms} ms`, { event: 'timing', phase, ms });
  return out;
}

/** `<project>/<log-path>`: --log-path, else the project file's `log-path`, else `logs`. */
export function logDir(root: string, projectLogPath: unknown): string {
  return resolve(root, globals.logPath ?? (typeof projectLogPath === 'string' && projectLogPath.trim() ? projectLogPath : 'logs'));
}

/** Flags every project command accepts. */
export interface CommonOptions {
  projectDir?: string;
  profilesDir?: string;
  target?: string;
  select?: string[];
  exclude?: string[];
  threads?: string;
  vars?: string;
  fullRefresh?: boolean;
  failFast?: boolean;
  logFormat?: LogFormat;
  state?: string;
  defer?: boolean;
  /** `--selector NAME` (selectors.yml). */
  selector?: string;
  /** Exactly these nodes, no selection (`strata retry`). */
  uniqueIds?: readonly string[];
}

export function addProjectOptions(cmd: Command): Command {
  return cmd
    .option('--project-dir <dir>', 'project directory (default: current directory)')
    .option('--profiles-dir <dir>', 'where profiles.yml lives (default: project dir, then ~/.strata)')
    .option('-t, --target <name>', 'profile target to use')
    .option('--vars <yaml>', "variables as YAML or JSON, e.g. '{start_date: 2024-01-01}'")
    .option('--log-format <format>', 'text or json (one event per line)', 'text');
}

export function addSelectionOptions(cmd: Command): Command {
  return cmd
    .option('-s, --select <selector...>', 'nodes to include (dbt syntax: name, +name, tag:x, path:..., state:modified)')
    .option('--exclude <selector...>', 'nodes to leave out')
    .option('--selector <name>', "a named selector of selectors.yml (default: the one with 'default: true' when no --select/--exclude)")
    .option('--state <dir>', 'directory of a previous run (manifest.json, run_results.json, sources.json), for state:, result: and source_status: selectors')
    .hook('preAction', (_cmd, action) => setInvocationArgs(invocationArgs(action.opts())));
}

/** A command's options as dbt records them in run_results.json `args` (snake_case keys). */
export function invocationArgs(opts: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts)) {
    if (v === undefined || k === 'uniqueIds') continue;
    out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
  }
  return out;
}

export function reporterFor(opts: CommonOptions): Reporter {
  current = new Reporter(opts.logFormat === 'json' ? 'json' : 'text', process.stdout, process.stderr, {
    debug: globals.debug,
    warnError: globals.warnError,
  });
  return current;
}

export function projectRoot(opts: CommonOptions): string {
  return resolve(opts.projectDir ?? process.cwd());
}

/** Loads the project; the command's log file goes to its log-path from now on (`--debug`: timed). */
export async function load(opts: CommonOptions & { cache?: boolean }): Promise<ProjectFiles> {
  const started = performance.now();
  const files = await loadProject({
    useCache: opts.cache !== false,
    projectDir: projectRoot(opts),
    ...(opts.profilesDir ? { profilesDir: resolve(opts.profilesDir) } : {}),
    ...(opts.target ? { target: opts.target } : {}),
    ...(opts.vars ? { vars: opts.vars } : {}),
    env: process.env,
  });
  const reporter = current;
  if (reporter) {
    reporter.attachLog(logDir(files.root, files.config.raw['log-path']));
    reporter.debug(`loaded project ${files.config.name} (${files.root}) in ${Math.round(performance.now() - started)} ms`, { event: 'timing', phase: 'load', ms: Math.round(performance.now() - started) });
  }
  return files;
}
