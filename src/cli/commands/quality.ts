import type { Command } from 'commander';
import { CompileError } from '../../diagnostics/index.js';
import type { ColumnReport, RelationReport } from '../../quality/report.js';
import { addProjectOptions, addSelectionOptions, reporterFor, type CommonOptions } from '../common.js';
import type { Reporter } from '../reporter.js';
import { compileAndSelect } from './compile.js';
import { openTargetAdapter } from './execute.js';

interface QualityOptions extends CommonOptions {
  psiWarn?: string;
  psiError?: string;
}

/**
 * `strata quality baseline <selector>`: profiles the selected relations and stores the profiles
 * (quantile bins, category frequencies, null rates) in strata_meta.quality_baselines, the
 * reference of `drift` tests. `strata quality report <selector>`: prints each column's profile
 * and its drift (PSI, KS) against the baseline.
 *
 * @example strata quality baseline orders customers
 * @example strata quality report --select tag:ml --log-format json
 */
export function registerQuality(program: Command, run: (r: Reporter, f: () => Promise<number>) => Promise<number>): void {
  const quality = program.command('quality').description('data-quality profiles and drift baselines');
  for (const action of ['baseline', 'report'] as const) {
    const cmd = quality
      .command(`${action} [selector...]`)
      .description(action === 'baseline' ? 'profile the selected relations and store the profiles as drift baselines' : 'print column profiles and drift against the baseline');
    if (action === 'report') cmd.option('--psi-warn <n>', 'PSI above which a column is reported as drifting (default 0.1)').option('--psi-error <n>', 'PSI above which drift is an error (default 0.25)');
    addSelectionOptions(addProjectOptions(cmd)).action(async (selectors: string[], opts: QualityOptions) => {
      const reporter = reporterFor(opts);
      await run(reporter, () => qualityCommand(action, { ...opts, select: [...selectors, ...(opts.select ?? [])] }, reporter));
    });
  }
}

async function qualityCommand(action: 'baseline' | 'report', opts: QualityOptions, reporter: Reporter): Promise<number> {
  if (!opts.select?.length) {
    throw new CompileError([{ code: 'selector-invalid', severity: 'error', message: `quality ${action} needs a selector`, hint: `e.g. strata quality ${action} orders (or --select tag:ml)` }]);
  }
  const thresholds = { psiWarn: num(opts.psiWarn, 0.1, '--psi-warn'), psiError: num(opts.psiError, 0.25, '--psi-error'), ksWarn: null, ksError: null };
  const { files, compiled, selected } = await compileAndSelect(opts, ['model', 'seed', 'snapshot']);
  const nodes = selected.map((id) => compiled.manifest.nodes[id]!).filter((n) => n.config.materialized !== 'ephemeral');
  if (nodes.length === 0) {
    reporter.info('Nothing to do: the selection matched no relations.');
    return 0;
  }
  const { adapter, close } = await openTargetAdapter(files.target, reporter, { command: 'quality' });
  const { qualityReport, takeBaseline } = await import('../../quality/report.js');
  let missing = 0;
  try {
    for (const n of nodes) {
      const rel = { schema: n.schema, name: n.alias };
      if (!(await adapter.getRelation(rel))) {
        missing++;
        reporter.info(`SKIP ${n.unique_id}: ${n.schema}.${n.alias} does not exist (build it first)`, { event: 'quality_skip', unique_id: n.unique_id });
        continue;
      }
      const started = performance.now();
      if (action === 'baseline') {
        const p = await takeBaseline(adapter, rel);
        const ms = Math.round(performance.now() - started);
        reporter.info(`Baseline stored for ${n.schema}.${n.alias}: ${p.length} columns, ${p[0]?.rows ?? 0} rows (${ms} ms)`, {
          event: 'quality_baseline',
          unique_id: n.unique_id,
          columns: p.length,
          rows: p[0]?.rows ?? 0,
          ms,
        });
      } else {
        const r = await qualityReport(adapter, rel, thresholds);
        if (reporter.format === 'json') reporter.result(JSON.stringify({ unique_id: n.unique_id, ...r }));
        else reporter.result(formatReport(n.unique_id, r));
      }
    }
  } finally {
    await close();
  }
  return missing > 0 ? 1 : 0;
}

function num(v: string | undefined, d: number, flag: string): number {
  if (v === undefined) return d;
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new CompileError([{ code: 'config-invalid', severity: 'error', message: `${flag} must be a non-negative number, got '${v}'` }]);
  return x;
}

function formatReport(id: string, r: RelationReport): string {
  const head = ['column', 'kind', 'null %', 'distinct', 'mean', 'stddev', 'min', 'max', 'psi', 'ks', 'drift'];
  const f = (x: number | null, digits = 3): string => (x === null ? '' : Math.abs(x) >= 1e6 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : x.toFixed(digits).replace(/\.?0+$/, '') || '0');
  const row = (c: ColumnReport): string[] => [
    c.column,
    c.kind,
    (c.null_rate * 100).toFixed(1),
    c.distinct === null ? '' : String(c.distinct),
    f(c.mean),
    f(c.stddev),
    f(c.min),
    f(c.max),
    c.drift ? c.drift.psi.toFixed(3) : '',
    c.drift?.ks != null ? c.drift.ks.toFixed(3) : '',
    c.drift ? c.drift.status : 'no baseline',
  ];
  const rows = [head, ...r.columns.map(row)];
  const widths = head.map((_, i) => Math.max(...rows.map((x) => x[i]!.length)));
  const lines = rows.map((x) => x.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd());
  const title = `${id} (${r.relation.schema}.${r.relation.name}, ${r.columns[0]?.rows ?? 0} rows; baseline ${r.baselineAt ?? 'none: run strata quality baseline'})`;
  return [title, ...lines, ''].join('\n');
}
