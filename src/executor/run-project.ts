import { randomUUID } from 'node:crypto';
import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import type { MacroRunOutcome, RunRenderOutcome } from '../compiler/run-render.js';
import type { Manifest, ManifestNode } from '../compiler/types.js';
import { testEdges } from '../graph/test-edges.js';
import { planHooks } from '../planner/index.js';
import type { QualityRunContext } from '../quality/types.js';
import type { SeedProfile } from '../seeds/index.js';
import { runDag, type NodeOutcome, type NodeResult } from './dag-runner.js';
import { cleanupTemporaries, executeNodePlan, stopOrphanedBuilds } from './execute-plan.js';
import { schemasOf, writeRunResults, writeRunSql } from './run-artifacts.js';
import { runNode } from './run-node.js';
import { stopOnAbort } from './stop-on-abort.js';

export interface RunEvents {
  onLockWait?(schema: string): void;
  onStart?(node: ManifestNode, running: number): void;
  onFinish?(node: ManifestNode, result: NodeResult, done: number, total: number): void;
}

export interface RunProjectOptions {
  readonly adapter: WarehouseAdapter;
  readonly manifest: Manifest;
  readonly ids: readonly string[];
  readonly projectRoot: string;
  readonly targetDir: string;
  readonly command: string;
  readonly threads: number;
  readonly fullRefresh: boolean;
  readonly failFast: boolean;
  readonly seedProfiles: ReadonlyMap<string, SeedProfile>;
  readonly onRunStart: readonly string[];
  readonly onRunEnd: readonly string[];
  readonly signal?: AbortSignal;
  readonly events?: RunEvents;
  /**
   * `build`: children of a model wait for its tests (a failing error-severity test skips them),
   * and `table`/`incremental` models are written, audited, then published (write-audit-publish)
   * when `auditByDefault` or their `audit: blocking` config says so.
   */
  readonly build?: { readonly auditByDefault: boolean };
  /** Execution-time rendering of dynamic nodes, right before each runs. */
  readonly render?: (node: ManifestNode) => Promise<RunRenderOutcome>;
  /** The root project is a dbt project (dbt_project.yml). */
  readonly dbtProject?: boolean;
  /** User `{% materialization %}` blocks. */
  readonly materialize?: (node: ManifestNode) => Promise<MacroRunOutcome>;
  /** `--warn-error`: a `warn` outcome (warn-severity test, drift warning) is a failure (`fail`). */
  readonly warnError?: boolean;
}

export interface RunSummary {
  readonly results: readonly NodeResult[];
  readonly elapsed: number;
  readonly runId: string;
}

/**
 * Executes selected nodes against the warehouse: takes the run lock of each target schema,
 * removes leftovers of killed runs, creates schemas, runs hooks and the DAG, writes
 * `run_results.json` and `target/run/**.sql`. Ctrl-C (the signal) cancels running statements.
 */
/**
 * The selected parents a node waits for. Ephemeral models are not run (they are inlined), so a
 * node reading one waits for what that ephemeral reads, transitively.
 */
function parentsThroughEphemerals(
  manifest: Manifest,
  id: string,
  selected: ReadonlySet<string>,
  extra: ReadonlyMap<string, readonly string[]>,
  seen: Set<string> = new Set(),
): string[] {
  const out: string[] = [];
  for (const p of [...(manifest.nodes[id]?.depends_on.nodes ?? []), ...(extra.get(id) ?? [])]) {
    if (selected.has(p)) out.push(p);
    else if (manifest.nodes[p]?.config.materialized === 'ephemeral' && !seen.has(p)) {
      seen.add(p);
      out.push(...parentsThroughEphemerals(manifest, p, selected, extra, seen));
    }
  }
  return [...new Set(out)];
}

export async function runProject(o: RunProjectOptions): Promise<RunSummary> {
  const started = performance.now();
  const runId = randomUUID();
  const schemas = schemasOf(o.manifest, o.ids);
  const releases: (() => Promise<void>)[] = [];
  const onAbort = (): void => void o.adapter.cancelAll();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (const schema of schemas) {
      let release = await o.adapter.acquireRunLock(schema, { wait: false });
      if (!release) {
        o.events?.onLockWait?.(schema);
        release = await o.adapter.acquireRunLock(schema, { wait: true });
      }
      if (release) releases.push(release);
    }
    for (const schema of schemas) {
      await o.adapter.query(`create schema if not exists "${schema.replace(/"/g, '""')}"`);
      // Under the lock nobody else is building here: a statement still building a temporary
      // relation belongs to a killed run, and anything temporary is a killed run's leftover.
      await stopOrphanedBuilds(o.adapter, schema);
      await cleanupTemporaries(o.adapter, schema);
    }
    if (o.onRunStart.length) await executeNodePlan(o.adapter, planHooks('on-run-start', o.onRunStart));
    const idSet = new Set(o.ids);
    const extraParents = o.build ? testEdges(o.manifest, o.ids) : new Map<string, string[]>();
    const quality: QualityRunContext | undefined = o.build
      ? { auditByDefault: o.build.auditByDefault, selected: idSet, auditResults: new Map() }
      : undefined;
    // A test audited with its model reports its own outcome even when the held-back model made
    // the runner skip it: the user sees which tests failed on the held-back data.
    const promote = <T extends NodeOutcome>(r: T): T =>
      o.warnError && r.status === 'warn' ? { ...r, status: 'fail', message: `${r.message ?? 'warning'} (warning treated as an error: --warn-error)` } : r;
    const reported = (r: NodeResult): NodeResult => {
      const audited = r.status === 'skipped' ? quality?.auditResults.get(r.id) : undefined;
      return promote(audited ? { ...r, ...audited } : r);
    };
    // The runner aborts its signal on Ctrl-C and on --fail-fast: either way, statements still
    // running in other threads are cancelled on the server (not left to finish).
    let watched: AbortSignal | undefined;
    const watch = (signal: AbortSignal): void => {
      if (watched === signal) return;
      watched = signal;
      signal.addEventListener('abort', () => void o.adapter.cancelAll().catch(() => undefined), { once: true });
    };
    // After Ctrl-C no node sends anything new (no next step, no cleanup query, no test): the
    // running statement is cancelled, everything else is left for the next run.
    const nodeAdapter = stopOnAbort(o.adapter, o.signal);
    const results = await runDag({
      ids: o.ids,
      parents: (id) => parentsThroughEphemerals(o.manifest, id, idSet, extraParents),
      threads: Math.max(1, Math.min(o.threads, o.adapter.maxConcurrency)),
      failFast: o.failFast,
      ...(o.signal ? { signal: o.signal } : {}),
      runNode: (id, signal) => {
        watch(signal);
        return runNode(
          {
            adapter: nodeAdapter,
            manifest: o.manifest,
            projectRoot: o.projectRoot,
            fullRefresh: o.fullRefresh,
            runId,
            seedProfiles: o.seedProfiles,
            ...(quality ? { quality } : {}),
            ...(o.render ? { render: o.render } : {}),
            ...(o.materialize ? { materialize: o.materialize } : {}),
            ...(o.dbtProject ? { dbtProject: true } : {}),
            onExecuted: (node, sql) => writeRunSql(o.targetDir, node, sql),
          },
          id,
          signal,
        ).then(promote);
      },
      events: {
        onStart: (id, running) => o.events?.onStart?.(o.manifest.nodes[id]!, running.length),
        onFinish: (r, done, total) => o.events?.onFinish?.(o.manifest.nodes[r.id]!, reported(r), done, total),
      },
    }).then((rs) => rs.map(reported));
    if (o.onRunEnd.length && !o.signal?.aborted) await executeNodePlan(o.adapter, planHooks('on-run-end', o.onRunEnd));
    const elapsed = (performance.now() - started) / 1000;
    await writeRunResults(o.targetDir, results, {
      invocationId: runId,
      command: o.command,
      elapsed,
      args: { threads: o.threads, full_refresh: o.fullRefresh, fail_fast: o.failFast },
    });
    return { results, elapsed, runId };
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    for (const release of releases.reverse()) await release().catch(() => undefined);
  }
}

