import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import type { MacroRunOutcome, RunRenderOutcome } from '../compiler/run-render.js';
import type { Manifest, ManifestNode } from '../compiler/types.js';
import type { DatabaseError } from '../adapters/database-error.js';
import { checkNodeSql, sqlErrorDiagnostic } from '../compiler/sql-check.js';
import { didYouMean, withCodeFrame, type Diagnostic } from '../diagnostics/index.js';
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
      const dynamic = node.strata.dynamic === true;
      node = r.node;
      // SQL known only now: the compile-time syntax check, before anything is sent
      const bad = dynamic ? await checkNodeSql(node) : undefined;
      if (bad) return { status: 'error', message: located(bad), data: { diagnostic: withFrame(ctx, bad) } };
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
    return await errorOutcome(ctx, node, e);
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

/**
 * The outcome of a node whose statement failed: a database error (it has a SQLSTATE) is located
 * in the node's file through its source map — the error's `position` in the statement sent,
 * then in the compiled SQL inside it, then in the template — with a hint per error class.
 * `data.diagnostic` carries the located diagnostic (printed with a code frame by the CLI),
 * `data.sqlstate` the SQLSTATE.
 */
async function errorOutcome(ctx: NodeRunContext, node: ManifestNode, e: unknown): Promise<NodeOutcome> {
  const err = e as DatabaseError;
  if (!(e instanceof Error) || typeof err.code !== 'string' || !/^[0-9A-Z]{5}$/.test(err.code) || node.compiled_code === null || !LOCATED.has(node.resource_type)) {
    return { status: 'error', message: errorMessage(e) };
  }
  const offset = compiledOffset(node.compiled_code, err.statement, err.position);
  const base = sqlErrorDiagnostic(node, 'database-error', err.message, offset, undefined, ctx.manifest);
  let hint: string | undefined;
  try {
    hint = await databaseHint(ctx, node, err, base.hint);
  } catch {
    hint = base.hint;
  }
  const d = withFrame(ctx, { ...base, ...(hint ? { hint } : {}) });
  return { status: 'error', message: located(d), data: { diagnostic: d, sqlstate: err.code } };
}

/** The diagnostic with a code frame of the node's file (read from the project). */
function withFrame(ctx: NodeRunContext, d: Diagnostic): Diagnostic {
  return withCodeFrame(d, (file) => {
    try {
      return readFileSync(join(ctx.projectRoot, file), 'utf8');
    } catch {
      return undefined;
    }
  });
}

/** Nodes whose statements embed their own compiled SQL (unit tests run the model's SQL with fixtures). */
const LOCATED = new Set(['model', 'snapshot', 'test']);

/**
 * 0-based offset in `compiled` of the error at 1-based `position` of `statement`, when the
 * statement embeds the compiled SQL there (e.g. `create table … as (` + sql + `)`).
 */
function compiledOffset(compiled: string, statement: string | undefined, position: number | undefined): number | undefined {
  if (statement === undefined || position === undefined) return undefined;
  const at = position - 1;
  for (const body of [compiled, compiled.trim()]) {
    if (!body) continue;
    for (let i = statement.indexOf(body); i >= 0; i = statement.indexOf(body, i + 1)) {
      if (at >= i && at < i + body.length) return at - i + (body === compiled ? 0 : compiled.indexOf(body));
    }
  }
  return undefined;
}

async function databaseHint(ctx: NodeRunContext, node: ManifestNode, err: DatabaseError, compiledHint: string | undefined): Promise<string | undefined> {
  const server = err.hint;
  const also = (h: string | undefined): string | undefined => [h, server, compiledHint].filter(Boolean).join('; ') || undefined;
  switch (err.code) {
    case '42703': {
      const name = /column "?([^"\s]+)"? does not exist/.exec(err.message)?.[1]?.split('.').pop();
      if (!name) return also(undefined);
      const columns = await upstreamColumns(ctx, node);
      const match = didYouMean(name, columns);
      if (match) return also(match);
      return also(columns.length ? `the upstream relations have: ${columns.slice(0, 20).join(', ')}${columns.length > 20 ? ', ...' : ''}` : undefined);
    }
    case '42P01':
      return also(
        "use ref('model') or source('source', 'table') for relations of the project: ref builds the parent first; a table outside it must exist in the target database",
      );
    case '42883':
      return also(
        /operator does not exist/.test(err.message)
          ? 'the operand types do not match: cast one side explicitly (e.g. `::numeric`, `::text`)'
          : 'check the function name and its argument types (PostgreSQL picks functions by argument types: add explicit casts)',
      );
    case '42804':
      return also('the expression has a different type than the one required here: cast it explicitly (e.g. `::date`, `::text`)');
    case '42601':
      return also('fix the SQL near this position');
    default:
      return also(undefined);
  }
}

/** Column names of the relations the node reads (its ref/source parents), from the catalog. */
async function upstreamColumns(ctx: NodeRunContext, node: ManifestNode): Promise<string[]> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const visit = async (ids: readonly string[]): Promise<void> => {
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      const parent = ctx.manifest.nodes[id];
      const source = ctx.manifest.sources[id];
      // an ephemeral parent is inlined: its own parents are what the SQL reads
      if (parent?.config.materialized === 'ephemeral') await visit(parent.depends_on.nodes);
      const ref = parent && parent.relation_name ? { schema: parent.schema, name: parent.alias } : source ? { schema: source.schema, name: source.identifier } : undefined;
      if (!ref) continue;
      for (const c of await ctx.adapter.getColumns(ref)) out.add(c.name);
    }
  };
  await visit(node.depends_on.nodes);
  return [...out];
}

