import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import type { MacroRunOutcome, RunRenderOutcome } from '../compiler/run-render.js';
import type { Manifest, ManifestNode } from '../compiler/types.js';
import type { Diagnostic } from '../diagnostics/index.js';
import type { QualityRunContext } from '../quality/types.js';
import type { SeedProfile } from '../seeds/index.js';
import type { NodeOutcome } from './dag-runner.js';
import { builtinMaterialization } from '../planner/index.js';
import { runModel } from './nodes/model.js';
import { runSeed } from './nodes/seed.js';
import { runSnapshot } from './nodes/snapshot.js';
import { runTest } from './nodes/test.js';
import { runUnitTest } from './nodes/unit-test.js';

export interface NodeRunContext {
  readonly adapter: WarehouseAdapter;
  readonly manifest: Manifest;
  readonly projectRoot: string;
  readonly fullRefresh: boolean;
  readonly runId: string;
  /** Seed profiles checked before the run started (malformed CSVs never reach the database). */
  readonly seedProfiles: ReadonlyMap<string, SeedProfile>;
  /** Receives the SQL a node ran, for `target/run/**.sql`. */
  readonly onExecuted?: (node: ManifestNode, sql: readonly string[]) => void;
  /** Write-audit-publish and test state of this run (absent: no auditing). */
  readonly quality?: QualityRunContext;
  /** Execution-time rendering of dynamic nodes (absent: the parse-time SQL is used). */
  readonly render?: (node: ManifestNode) => Promise<RunRenderOutcome>;
  /** The root project is a dbt project (dbt_project.yml): dbt-postgres's seed type inference. */
  readonly dbtProject?: boolean;
  /** Runs a user `{% materialization %}` for a node (absent: such nodes cannot run). */
  readonly materialize?: (node: ManifestNode) => Promise<MacroRunOutcome>;
}

/**
 * Runs one node by resource type: models through planner + plan execution, seeds through
 * COPY, tests as a failure count. Database errors become `error` outcomes (never throws for them).
 */
export async function runNode(ctx: NodeRunContext, id: string, signal: AbortSignal): Promise<NodeOutcome> {
  let node = ctx.manifest.nodes[id];
  if (!node) return { status: 'skipped', message: `${id} is not a runnable node` };
  if (signal.aborted) return { status: 'skipped', message: 'run stopped' };
  try {
    if (ctx.render && (node.strata.dynamic || node.strata.raw_hooks)) {
      const r = await ctx.render(node);
      if (!r.ok) return { status: 'error', message: r.diagnostics.map(located).join('\n') };
      node = r.node;
    }
    switch (node.resource_type) {
      case 'model':
        if (!builtinMaterialization(String(node.config.materialized))) return await runUserMaterialization(ctx, node);
        return await runModel(ctx, node);
      case 'seed':
        return await runSeed(ctx, node);
      case 'test':
        return await runTest(ctx, node);
      case 'snapshot':
        return await runSnapshot(ctx, node);
      case 'unit_test':
        return await runUnitTest(ctx, node);
      default:
        return { status: 'skipped', message: `${node.resource_type} nodes are not run` };
    }
  } catch (e) {
    return { status: 'error', message: errorMessage(e) };
  }
}

/** A model built by a project's or package's `{% materialization %}` block. */
async function runUserMaterialization(ctx: NodeRunContext, node: ManifestNode): Promise<NodeOutcome> {
  const name = String(node.config.materialized);
  if (!ctx.materialize) return { status: 'error', message: `materialization '${name}' needs the execution-time renderer` };
  const r = await ctx.materialize(node);
  ctx.onExecuted?.(node, r.statements);
  if (!r.ok) return { status: 'error', message: r.diagnostics.map(located).join('\n') };
  const relations = (r.value as { relations?: unknown } | null)?.relations;
  return {
    status: 'success',
    message: `${name} (${r.statements.length} statement${r.statements.length === 1 ? '' : 's'})`,
    ...(Array.isArray(relations) ? { data: { relations: relations.map(String) } } : {}),
  };
}

function located(d: Diagnostic): string {
  const at = d.file ? `${d.file}${d.line ? `:${d.line}${d.col ? `:${d.col}` : ''}` : ''}: ` : '';
  return `${at}${d.message}${d.hint ? ` (${d.hint})` : ''}`;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
