/**
 * The `drift` generic test at run time. Its buckets come from the stored baseline, so its SQL
 * is built when it runs (edges as bound parameters), not by the Jinja macro (whose compiled SQL
 * only documents the check).
 *
 * YAML: on a column (`tests: [drift]`) or on the model with `columns: [a, b]` (one scan for
 * all of them; without `columns`, every baselined column), thresholds `psi_warn` (0.1),
 * `psi_error` (0.25), `ks_warn`, `ks_error` (unset: KS is reported, not judged).
 */
import type { Manifest, ManifestNode } from '../compiler/types.js';
import type { NodeOutcome, NodeStatus } from '../executor/dag-runner.js';
import type { NodeRunContext } from '../executor/run-node.js';
import { loadBaseline, type Queryable } from './baseline.js';
import { computeDrift, DEFAULT_THRESHOLDS, type ColumnDrift, type DriftThresholds } from './drift.js';

export interface DriftVerdict {
  readonly status: NodeStatus;
  readonly message: string;
  readonly failures: number;
  readonly sql: readonly string[];
  readonly columns: readonly ColumnDrift[];
}

/** Thresholds and columns from a drift test's arguments. */
export function driftArgs(test: ManifestNode): { columns: string[] | undefined; thresholds: DriftThresholds } {
  const k = test.test_metadata?.kwargs ?? {};
  const n = (key: string, d: number | null): number | null => {
    const v = k[key];
    if (v === undefined || v === null || v === '') return d;
    const x = Number(v);
    return Number.isFinite(x) ? x : d;
  };
  const list = Array.isArray(k['columns']) ? k['columns'].map(String) : typeof k['column_name'] === 'string' ? [k['column_name']] : undefined;
  return {
    columns: list,
    thresholds: {
      psiWarn: n('psi_warn', DEFAULT_THRESHOLDS.psiWarn)!,
      psiError: n('psi_error', DEFAULT_THRESHOLDS.psiError)!,
      ksWarn: n('ks_warn', null),
      ksError: n('ks_error', null),
    },
  };
}

/** The model a test checks (its attached node, else its only parent). */
export function testedModel(test: ManifestNode, manifest: Manifest): ManifestNode | undefined {
  const id = test.attached_node ?? test.depends_on.nodes[0];
  return id ? manifest.nodes[id] : undefined;
}

/**
 * Evaluates a drift test: the baseline is the model's (`schema`, `alias`); `scan` is the
 * relation read (the model itself, or its staged copy during write-audit-publish).
 */
export async function evaluateDrift(db: Queryable, test: ManifestNode, manifest: Manifest, scan: { schema: string; name: string }): Promise<DriftVerdict> {
  const model = testedModel(test, manifest);
  if (!model) return { status: 'error', message: 'drift test is not attached to a model', failures: 0, sql: [], columns: [] };
  const { columns, thresholds } = driftArgs(test);
  const baseline = await loadBaseline(db, { schema: model.schema, name: model.alias });
  const wanted = columns ?? [...baseline.keys()].sort();
  const missing = wanted.filter((c) => !baseline.has(c));
  const hint = `run \`strata quality baseline --select ${model.name}\` on data you trust`;
  if (baseline.size === 0 || wanted.length === 0) {
    return { status: 'warn', message: `no drift baseline for ${model.schema}.${model.alias}: ${hint}`, failures: 0, sql: [], columns: [] };
  }
  const drift = await computeDrift(db, scan, baseline, wanted, thresholds);
  const failed = drift.filter((d) => d.status === 'fail');
  const warned = drift.filter((d) => d.status === 'warn');
  const describe = (d: ColumnDrift): string => `${d.column} psi=${d.psi.toFixed(3)}${d.ks !== null ? ` ks=${d.ks.toFixed(3)}` : ''}`;
  const notes = missing.length ? `; not in the baseline: ${missing.join(', ')} (${hint})` : '';
  const severityWarn = String(test.config['severity'] ?? 'error').toLowerCase() === 'warn';
  const sql = ['-- drift: one histogram scan over the baseline edges (see strata quality report)'];
  if (failed.length) {
    return {
      status: severityWarn ? 'warn' : 'fail',
      message: `drift above psi ${thresholds.psiError}${thresholds.ksError !== null ? `/ks ${thresholds.ksError}` : ''}: ${failed.map(describe).join(', ')}${notes}`,
      failures: failed.length + warned.length,
      sql,
      columns: drift,
    };
  }
  if (warned.length || missing.length) {
    return {
      status: 'warn',
      message: warned.length ? `moderate drift: ${warned.map(describe).join(', ')}${notes}` : notes.slice(2),
      failures: warned.length,
      sql,
      columns: drift,
    };
  }
  return { status: 'pass', message: `no drift: ${drift.map(describe).join(', ')}`, failures: 0, sql, columns: drift };
}

/** Runs a drift test node against its model's published relation. */
export async function runDriftTest(ctx: NodeRunContext, test: ManifestNode): Promise<NodeOutcome> {
  const model = testedModel(test, ctx.manifest);
  const scan = model ? { schema: model.schema, name: model.alias } : { schema: test.schema, name: test.alias };
  const v = await evaluateDrift(ctx.adapter, test, ctx.manifest, scan);
  ctx.onExecuted?.(test, v.sql);
  return { status: v.status, message: v.message, data: { failures: v.failures, drift: v.columns } };
}
