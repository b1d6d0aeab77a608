import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { writeAtomic } from '../../compiler/artifacts.js';
import type { ManifestNode } from '../../compiler/types.js';
import { CompileError } from '../../diagnostics/index.js';
import { checkFreshness, freshnessTargets, sourcesJson, type FreshnessResult } from '../../quality/freshness.js';
import { addProjectOptions, addSelectionOptions, reporterFor, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';
import { compileAndSelect } from './compile.js';
import { openTargetAdapter } from './execute.js';

/**
 * `strata source freshness`: checks the freshness SLAs of sources and models
 * (`freshness: {warn_after, error_after}` + `loaded_at_field`), writes `target/sources.json`,
 * exits 1 when one is past `error_after` (or cannot be checked), 2 for a bad SLA declaration.
 *
 * @example strata source freshness --select source:raw
 */
export function registerSourceFreshness(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  const source = program.command('source').description('commands about sources');
  const description = 'check freshness SLAs (sources and models), write target/sources.json';
  // `strata source-freshness`: the older spelling, same options (hidden from --help)
  for (const cmd of [source.command('freshness').description(description), program.command('source-freshness', { hidden: true }).description(description)]) {
    addSelectionOptions(addProjectOptions(cmd)).action(async (opts: CommonOptions) => {
      const reporter = reporterFor(opts);
      await run(reporter, () => freshness(opts, reporter));
    });
  }
}

async function freshness(opts: CommonOptions, reporter: Reporter): Promise<number> {
  const started = performance.now();
  const { files, compiled, selected } = await compileAndSelect(opts, ['source', 'model', 'seed', 'snapshot']);
  const { targets, diagnostics } = freshnessTargets(compiled.manifest, selected, (n) => locateProperties(files.root, n));
  if (diagnostics.length) throw new CompileError(diagnostics);
  reporter.diagnostics(compiled.warnings, files.root);
  if (targets.length === 0) {
    reporter.info('Nothing to check: no selected source or model declares freshness with loaded_at_field.');
    return 0;
  }
  const { adapter, close } = await openTargetAdapter(files.target, reporter, { command: 'source freshness' });
  const results: FreshnessResult[] = [];
  try {
    for (const t of targets) {
      const checked = await checkFreshness(adapter, t);
      // --warn-error: past warn_after is an error (dbt's LogFreshnessResult)
      const r: FreshnessResult = checked.status === 'warn' && reporter.promotes('freshness-warn') ? { ...checked, status: 'error', message: `${checked.message} (warning treated as an error: --warn-error)` } : checked;
      results.push(r);
      const label = r.status === 'runtime error' ? 'ERROR' : r.status.toUpperCase();
      reporter.info(`${String(results.length).padStart(String(targets.length).length)} of ${targets.length} ${label.padEnd(5)} ${r.unique_id}: ${r.message}`, {
        event: 'freshness',
        unique_id: r.unique_id,
        status: r.status,
        age_s: r.max_loaded_at_time_ago_in_s,
      });
    }
  } finally {
    await close();
  }
  const elapsed = (performance.now() - started) / 1000;
  await writeAtomic(join(files.root, files.config.targetPath, 'sources.json'), sourcesJson(results, randomUUID(), elapsed));
  const n = (s: string): number => results.filter((r) => r.status === s).length;
  reporter.info(`Done in ${elapsed.toFixed(1)}s: ${n('pass')} pass, ${n('warn')} warn, ${n('error')} error, ${n('runtime error')} runtime error`, {
    event: 'freshness_summary',
    pass: n('pass'),
    warn: n('warn'),
    error: n('error'),
    runtime_error: n('runtime error'),
  });
  return n('error') + n('runtime error') > 0 ? 1 : 0;
}

/** The `- name: <model>` line of a model's YAML properties (its patch_path), if readable. */
function locateProperties(root: string, n: ManifestNode): { file: string; line: number; col: number } | undefined {
  if (!n.patch_path) return undefined;
  const file = n.patch_path.replace(/^[^:]+:\/\//, '');
  try {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    const i = lines.findIndex((l) => new RegExp(`^\\s*-\\s*name:\\s*['"]?${n.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]?\\s*$`).test(l));
    return i >= 0 ? { file, line: i + 1, col: lines[i]!.indexOf('name') + 1 } : { file, line: 1, col: 1 };
  } catch {
    return undefined;
  }
}
