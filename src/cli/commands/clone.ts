import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { readManifest } from '../../compiler/index.js';
import { CompileError, type Diagnostic } from '../../diagnostics/index.js';
import type { CloneItem } from '../../executor/clone.js';
import type { NodeResult } from '../../executor/index.js';
import { addProjectOptions, addSelectionOptions, reporterFor, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';
import { compileAndSelect } from './compile.js';

interface CloneOptions extends CommonOptions {
  cache?: boolean;
}

const CLONABLE = ['model', 'seed', 'snapshot'] as const;

/**
 * `strata clone --state <dir>` (dbt clone): the selected models, seeds and snapshots become views
 * in the current target over their relations in the --state manifest's target (PostgreSQL has no
 * zero-copy clone). Existing relations are kept unless --full-refresh. Writes run_results.json.
 * Exit 0 ok, 1 a clone failed, 2 bad input (no --state, or every node would clone onto itself).
 */
export function registerClone(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  const cmd = program
    .command('clone')
    .description('create the selected models, seeds and snapshots as views over their relations in a --state manifest')
    .option('--full-refresh', 'replace relations that already exist in the target')
    .option('--no-cache', 'ignore target/ caches and render everything');
  addSelectionOptions(addProjectOptions(cmd)).action(async (opts: CloneOptions) => {
    const reporter = reporterFor(opts);
    await run(reporter, () => clone(opts, reporter));
  });
}

async function clone(opts: CloneOptions, reporter: Reporter): Promise<number> {
  if (!opts.state) {
    throw new CompileError([
      { code: 'state-invalid', severity: 'error', message: 'clone needs --state <dir with the manifest.json of the target to clone from>', hint: 'e.g. strata clone --state prod-target/' },
    ]);
  }
  // compileAndSelect reports a --state directory without manifest.json (exit 2)
  const { files, compiled, selected } = await compileAndSelect({ ...opts, fullRefresh: false }, CLONABLE);
  const state = (await readManifest(resolve(opts.state)))!;
  const items: CloneItem[] = [];
  const onItself: Diagnostic[] = [];
  const skipped: NodeResult[] = [];
  const now = new Date().toISOString();
  const skip = (id: string, message: string, reason: string): void => {
    skipped.push({ id, status: 'skipped', message, data: { reason }, executionTime: 0, startedAt: now, completedAt: now });
  };
  for (const id of selected) {
    const node = compiled.manifest.nodes[id]!;
    if (node.config.materialized === 'ephemeral') continue; // nothing to clone: it is inlined
    const other = state.nodes[id];
    if (!other || other.config.materialized === 'ephemeral' || !other.relation_name) {
      skip(id, `${id} has no relation in the --state manifest`, 'not-in-state');
      continue;
    }
    const item: CloneItem = { id, target: { schema: node.schema, name: node.alias }, source: { schema: other.schema, name: other.alias } };
    if (item.target.schema === item.source.schema && item.target.name === item.source.name && node.database === other.database) {
      onItself.push({ code: 'state-invalid', severity: 'error', message: `${id}: its --state relation "${other.schema}"."${other.alias}" is its own relation in this target`, node: id });
      skip(id, `${id} would be cloned onto itself ("${other.schema}"."${other.alias}")`, 'same-relation');
      continue;
    }
    items.push(item);
  }
  if (items.length === 0 && onItself.length > 0) {
    throw new CompileError([
      {
        ...onItself[0]!,
        message: `nothing to clone: the --state relations of the ${onItself.length} selected node${onItself.length === 1 ? ' is its' : 's are their'} own relation${onItself.length === 1 ? '' : 's'} in this target (schema '${compiled.manifest.nodes[onItself[0]!.node!]?.schema ?? ''}')`,
        hint: 'clone into another target or schema (-t / profiles.yml) than the one --state was built in',
      },
    ]);
  }
  reporter.diagnostics(compiled.warnings, files.root);
  for (const r of skipped) reporter.info(`SKIP ${r.id}: ${r.message}`, { event: 'clone_skip', node: r.id, reason: r.data?.['reason'] });
  const started = performance.now();
  let results: NodeResult[] = [...skipped];
  if (items.length > 0) {
    const { openTargetAdapter } = await import('./open-target.js');
    const { runClone } = await import('../../executor/clone.js');
    const { adapter, close } = await openTargetAdapter(files.target, reporter, { command: 'clone', whenHeld: 'wait' });
    try {
      const done = await runClone(adapter, items, {
        fullRefresh: opts.fullRefresh ?? false,
        onFinish: (r, i, n) => {
          const label = r.status === 'success' ? 'OK' : r.status === 'skipped' ? 'SKIP' : 'ERROR';
          reporter.info(`${i} of ${n} ${label} clone ${r.id}: ${r.message ?? ''}`, { event: 'clone', node: r.id, status: r.status, message: r.message });
        },
      });
      results = [...skipped, ...done];
    } finally {
      await close();
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  const { writeRunResults } = await import('../../executor/index.js');
  await writeRunResults(join(files.root, files.config.targetPath), results, {
    invocationId: randomUUID(),
    command: 'clone',
    elapsed,
    args: { full_refresh: opts.fullRefresh ?? false, state: opts.state },
  });
  const count = (s: string): number => results.filter((r) => r.status === s).length;
  reporter.info(`Done in ${elapsed.toFixed(1)}s: ${count('success')} cloned, ${count('skipped')} skipped, ${count('error')} error`, {
    event: 'clone_summary',
    ok: count('success'),
    skipped: count('skipped'),
    error: count('error'),
    elapsed,
  });
  return count('error') > 0 ? 1 : 0;
}
