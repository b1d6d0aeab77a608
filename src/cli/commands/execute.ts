import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { WarehouseAdapter } from '../../adapters/warehouse-adapter.js';
import { compileProject, readManifest } from '../../compiler/index.js';
import { createRunRenderer } from '../../compiler/run-render.js';
import type { Manifest } from '../../compiler/types.js';
import type { ResolvedTarget } from '../../project/types.js';
import { CompileError, formatDiagnostic, type Diagnostic } from '../../diagnostics/index.js';
import type { NodeResult } from '../../executor/index.js';
import { deferManifest } from '../../graph/index.js';
import { junitXml } from '../../quality/junit-xml.js';
import { validateQualityTests } from '../../quality/validate.js';
import type { SeedProfile } from '../../seeds/index.js';
import { addProjectOptions, addSelectionOptions, reporterFor, type CommonOptions } from '../common.js';
import { announceLoading } from '../first-line.js';
import { RunProgress, wallSeconds } from '../progress.js';
import type { Reporter } from '../reporter.js';
import { compileAndSelect } from './compile.js';
import { openTargetAdapter } from './open-target.js';

export { openTargetAdapter } from './open-target.js';

type Run = (r: Reporter, f: () => Promise<number>) => Promise<number>;

export interface ExecuteOptions extends CommonOptions {
  cache?: boolean;
  junitXml?: string;
  empty?: boolean;
}

/** Registers a command that executes nodes (run, seed, build) with the shared flags. */
export function registerExecute(
  program: Command,
  run: Run,
  name: 'run' | 'seed' | 'snapshot' | 'build' | 'test',
  description: string,
  resourceTypes: readonly string[],
): void {
  const cmd = program
    .command(name)
    .description(description)
    .option('--threads <n>', 'how many nodes to build at once (default: the profile\'s threads)')
    .option('--full-refresh', 'rebuild incremental models and seeds from scratch')
    .option('-x, --fail-fast', 'stop at the first failure')
    .option('--defer', 'read parents that are not selected and not built in the target from the --state manifest\'s relations')
    .option('--junit-xml <file>', 'write node and test results as JUnit XML (for CI)');
  if (name !== 'seed' && name !== 'test') {
    cmd.option('--empty', 'build with zero rows: every ref() and source() reads no rows, so SQL, columns and types are checked without the data');
  }
  addSelectionOptions(addProjectOptions(cmd)).action(async (opts: ExecuteOptions) => {
    const reporter = reporterFor(opts);
    await run(reporter, () => execute(opts, reporter, name, resourceTypes));
  });
}

/** Compiles, selects and runs the nodes of `command` (run, seed, snapshot, build, test); the exit code. */
export async function execute(opts: ExecuteOptions, reporter: Reporter, command: string, resourceTypes: readonly string[]): Promise<number> {
  // 1. Everything that can be wrong with the project is found before connecting.
  if (opts.defer && !opts.state) {
    throw new CompileError([
      { code: 'state-invalid', severity: 'error', message: '--defer needs --state <dir with the production manifest.json>', hint: 'e.g. --select state:modified+ --state prod-target/ --defer' },
    ]);
  }
  // Printed by the binary before the CLI loaded, or here (in-process callers, JSON output).
  if (reporter.format === 'json' || !announceLoading(opts.projectDir ?? '.', (line) => reporter.info(line, { event: 'load_start' }))) {
    reporter.debug(`loading project ${resolve(opts.projectDir ?? '.')}`, { event: 'load_start' });
  }
  const compileStarted = performance.now();
  const empty = opts.empty ?? false;
  const { files, compiled, selected: chosen, semantic } = await compileAndSelect(opts, resourceTypes, empty ? { empty } : {});
  // ephemeral models build nothing: they are inlined into their children and, as in dbt, never
  // appear in the run's results
  const selected = chosen.filter((id) => compiled.manifest.nodes[id]?.config.materialized !== 'ephemeral');
  const seedProfiles = await checkSeeds(files.root, compiled.manifest.nodes, selected);
  const invalid = validateQualityTests(compiled.manifest, selected);
  if (invalid.length) throw new CompileError(invalid);
  const stateManifest = opts.defer && opts.state ? await readManifest(resolve(opts.state)) : undefined;
  reporter.diagnostics(compiled.warnings, files.root);
  reporter.info(
    `Compiled ${Object.keys(compiled.manifest.nodes).length} nodes in ${seconds(performance.now() - compileStarted)}; ${selected.length} selected`,
    { event: 'compiled', nodes: Object.keys(compiled.manifest.nodes).length, selected: selected.length },
  );
  if (selected.length === 0) {
    reporter.info('Nothing to do: the selection matched no nodes.');
    // dbt writes run_results.json for an empty run too (CI reads it)
    const { writeRunResults } = await import('../../executor/index.js');
    await writeRunResults(join(files.root, files.config.targetPath), [], {
      invocationId: randomUUID(),
      command,
      elapsed: 0,
      args: { threads: Number(opts.threads ?? files.target.threads), full_refresh: opts.fullRefresh ?? false },
    });
    return 0;
  }
  // --threads sizes the connection pool too: the profile's `threads` is only the default.
  const requested = Number(opts.threads ?? files.target.threads);
  const threads = Number.isInteger(requested) && requested > 0 ? requested : 1;
  // PGlite: another process on the data directory is waited for (a server lends it to us).
  const connectStarted = performance.now();
  // A new PGlite data directory is initialised on first open (initdb: about 2-3 s); say so.
  const fresh = files.target.type === 'pglite' && !files.target.path.startsWith('memory:') && !existsSync(join(files.target.path, 'PG_VERSION'));
  const { adapter, close } = await openTargetAdapter({ ...files.target, threads }, reporter, { command, whenHeld: 'wait' });
  reporter.info(
    `Connected to ${describeTarget(files.target, files.root)} in ${seconds(performance.now() - connectStarted)}${fresh ? ' (first start: the data directory was initialised)' : ''}`,
    { event: 'connected', type: files.target.type, initialised: fresh },
  );
  const controller = new AbortController();
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    reporter.info('Interrupted: cancelling running statements (Ctrl-C again to quit at once)');
    controller.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    // 2. Templates that call is_incremental() are rendered again now that we know what exists.
    let manifest: Manifest = compiled.manifest;
    let hooks = compiled.hooks;
    const existing = new Set<string>();
    const listExisting = async (): Promise<void> => {
      for (const schema of new Set(Object.values(manifest.nodes).map((n) => n.schema))) {
        for (const r of await adapter.listRelations(schema)) existing.add(`${r.schema}.${r.name}`);
      }
    };
    if (stateManifest) await listExisting();
    if (Object.values(manifest.nodes).some((n) => n.config.materialized === 'incremental')) {
      if (!stateManifest) await listExisting();
      const again = await compileProject(files, {
        fullRefresh: opts.fullRefresh ?? false,
        relationExists: (n) => existing.has(`${n.schema}.${n.alias}`),
        which: command,
        ...(empty ? { empty } : {}),
      });
      manifest = again.manifest;
      hooks = again.hooks;
    }
    if (stateManifest) {
      const d = deferManifest(manifest, stateManifest, new Set(selected), (n) => existing.has(`${n.schema}.${n.alias}`));
      manifest = d.manifest;
      if (d.deferred.size) reporter.info(`Deferring ${d.deferred.size} unselected parent${d.deferred.size === 1 ? '' : 's'} to the --state relations`, { event: 'defer', nodes: Object.fromEntries(d.deferred) });
    }
    const progress = new RunProgress(reporter, selected.length);
    const { runProject, stopOnAbort } = await import('../../executor/index.js');
    // Templates rendered at execution time send nothing more after Ctrl-C either.
    const runRenderer = createRunRenderer(files, manifest, stopOnAbort(adapter, controller.signal), {
      fullRefresh: opts.fullRefresh ?? false,
      which: command,
      relationExists: (n) => existing.has(`${n.schema}.${n.alias}`),
      ...(empty ? { empty } : {}),
    });
    const summary = await runProject({
      adapter,
      manifest,
      ids: selected,
      projectRoot: files.root,
      targetDir: join(files.root, files.config.targetPath),
      command,
      threads,
      fullRefresh: opts.fullRefresh ?? false,
      failFast: opts.failFast ?? false,
      seedProfiles,
      onRunStart: hooks.onRunStart,
      onRunEnd: hooks.onRunEnd,
      signal: controller.signal,
      render: (node) => runRenderer.render(node),
      materialize: (node) => runRenderer.materialize(node),
      dbtProject: files.config.kind === 'dbt',
      warnError: reporter.promotes('test-warn'),
      ...(command === 'build' ? { build: { auditByDefault: files.config.kind === 'strata' } } : {}),
      events: {
        onLockWait: (schema) => progress.waiting(schema),
        onStart: (node) => progress.start(node),
        onFinish: (node, r, done) => progress.finish(node, r, done),
      },
    });
    progress.end();
    if ((command === 'run' || command === 'build' || command === 'seed' || command === 'snapshot') && !interrupted) {
      // Build id (metric API cache invalidation), which models were rebuilt, and the rollups
      // built from them: see src/server/rollup-builder.ts.
      const { afterBuildReport } = await import('../../server/rollup-builder.js');
      const rebuilt = summary.results.filter((r) => r.status === 'success').map((r) => r.id);
      for (const line of await afterBuildReport({ adapter, layer: semantic, command, schema: files.target.schema, nodes: selected.length, rebuilt })) reporter.info(line);
    }
    if (opts.junitXml) {
      const file = resolve(opts.junitXml);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, junitXml(manifest, summary.results, command));
    }
    return summarize(reporter, summary.results, interrupted);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await close();
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function describeTarget(t: ResolvedTarget, root: string): string {
  if (t.type === 'pglite') return `embedded PGlite (${t.path.startsWith('memory:') ? t.path : relative(root, t.path) || '.'}), schema ${t.schema}`;
  return `PostgreSQL ${t.host}:${t.port}/${t.dbname}, schema ${t.schema}`;
}

function summarize(reporter: Reporter, results: readonly NodeResult[], interrupted: boolean): number {
  // "Done in" is the invocation's wall clock: load, compile, connect, nodes, rollups and all.
  const elapsed = wallSeconds();
  const count = (s: string): number => results.filter((r) => r.status === s).length;
  const ok = count('success') + count('pass');
  const bad = results.filter((r) => r.status === 'error' || r.status === 'fail');
  if (reporter.format === 'text' && bad.length) {
    reporter.info('');
    for (const r of bad) {
      // a located database/SQL error: file:line:col, code frame and hint (run-node.ts)
      const d = r.data?.['diagnostic'] as Diagnostic | undefined;
      const sqlstate = typeof r.data?.['sqlstate'] === 'string' ? ` [SQLSTATE ${r.data['sqlstate']}]` : '';
      if (d && typeof d === 'object' && typeof d.message === 'string') {
        reporter.info(`${r.status.toUpperCase()} ${r.id}: ${d.message}${sqlstate}\n${formatDiagnostic(d).replace(/^/gm, '  ')}`);
      } else reporter.info(`${r.status.toUpperCase()} ${r.id}: ${r.message ?? ''}`);
    }
  }
  reporter.info(
    `${interrupted ? 'Interrupted' : 'Done'} in ${elapsed.toFixed(1)}s: ${ok} ok, ${count('warn')} warn, ${count('error')} error, ${count('fail')} fail, ${count('skipped')} skipped`,
    { event: 'run_summary', ok, warn: count('warn'), error: count('error'), fail: count('fail'), skipped: count('skipped'), elapsed },
  );
  if (interrupted) return 130;
  return bad.length ? 1 : 0;
}

/** Parses every selected seed before the run: a malformed CSV stops the run with exit code 2. */
async function checkSeeds(
  root: string,
  nodes: Readonly<Record<string, { resource_type: string; original_file_path: string; config: Readonly<Record<string, unknown>> }>>,
  selected: readonly string[],
): Promise<Map<string, SeedProfile>> {
  const out = new Map<string, SeedProfile>();
  const diagnostics: Diagnostic[] = [];
  const { profileCsv } = await import('../../seeds/index.js');
  for (const id of selected) {
    const n = nodes[id];
    if (!n || n.resource_type !== 'seed') continue;
    const delimiter = typeof n.config['delimiter'] === 'string' ? n.config['delimiter'] : ',';
    const r = await profileCsv(join(root, n.original_file_path), n.original_file_path, delimiter);
    diagnostics.push(...r.diagnostics);
    if (r.profile) out.set(id, r.profile);
  }
  if (diagnostics.length) throw new CompileError(diagnostics);
  return out;
}
