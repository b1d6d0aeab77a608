import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadProject } from '../project/index.js';
import type { ProjectFiles } from '../project/types.js';
import { Reporter, type LogFormat } from './reporter.js';

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
    .option('--state <dir>', 'directory with a previous manifest.json, for state: selectors');
}

export function reporterFor(opts: CommonOptions): Reporter {
  return new Reporter(opts.logFormat === 'json' ? 'json' : 'text');
}

export function projectRoot(opts: CommonOptions): string {
  return resolve(opts.projectDir ?? process.cwd());
}

export function load(opts: CommonOptions & { cache?: boolean }): Promise<ProjectFiles> {
  return loadProject({
    useCache: opts.cache !== false,
    projectDir: projectRoot(opts),
    ...(opts.profilesDir ? { profilesDir: resolve(opts.profilesDir) } : {}),
    ...(opts.target ? { target: opts.target } : {}),
    ...(opts.vars ? { vars: opts.vars } : {}),
    env: process.env,
  });
}
