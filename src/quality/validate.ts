/**
 * Checks the arguments of Strata's data-quality tests before anything reaches the database
 * (bad values are `test-invalid` diagnostics at the test's YAML location: exit code 2).
 */
import type { Manifest, ManifestNode } from '../compiler/types.js';
import type { Diagnostic } from '../diagnostics/index.js';

type Rule = { key: string; min?: number; max?: number; required?: boolean };

const RULES: Readonly<Record<string, readonly Rule[]>> = {
  null_rate: [{ key: 'max', min: 0, max: 1 }],
  values_between: [{ key: 'min_value' }, { key: 'max_value' }],
  mean_between: [{ key: 'min_value' }, { key: 'max_value' }],
  stdev_between: [{ key: 'min_value', min: 0 }, { key: 'max_value', min: 0 }],
  proportion_unique_between: [{ key: 'min_value', min: 0, max: 1 }, { key: 'max_value', min: 0, max: 1 }],
  outlier_rate: [{ key: 'threshold', min: 0 }, { key: 'max', min: 0, max: 1 }],
  class_balance: [{ key: 'min_share', min: 0, max: 1, required: true }],
  max_correlation: [{ key: 'max', min: 0, max: 1 }],
  drift: [{ key: 'psi_warn', min: 0 }, { key: 'psi_error', min: 0 }, { key: 'ks_warn', min: 0, max: 1 }, { key: 'ks_error', min: 0, max: 1 }],
};

/**
 * @example validateQualityTests(manifest, ['test.shop.null_rate_orders_amount.1a2b'])
 * // [{ code: 'test-invalid', message: "null_rate: 'max' must be a number between 0 and 1, got 'lots'", file: 'models/schema.yml', line: 12 }]
 */
export function validateQualityTests(manifest: Manifest, ids: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const id of ids) {
    const n = manifest.nodes[id];
    const name = n?.test_metadata?.name;
    if (!n || !name || n.test_metadata?.namespace) continue;
    const rules = RULES[name];
    if (!rules) continue;
    const kw = n.test_metadata!.kwargs;
    for (const r of rules) {
      const v = kw[r.key];
      if (v === undefined || v === null) {
        if (r.required) out.push(diag(n, `${name}: '${r.key}' is required`, `add ${r.key}: <number> to the test's arguments`));
        continue;
      }
      const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      const range = r.min !== undefined && r.max !== undefined ? ` between ${r.min} and ${r.max}` : r.min !== undefined ? ` >= ${r.min}` : '';
      if (!Number.isFinite(x) || (r.min !== undefined && x < r.min) || (r.max !== undefined && x > r.max)) {
        out.push(diag(n, `${name}: '${r.key}' must be a number${range}, got ${JSON.stringify(v)}`, `e.g. ${r.key}: ${r.max ?? 1}`));
      }
    }
    if (name === 'drift') {
      const w = Number(kw['psi_warn'] ?? 0.1);
      const e = Number(kw['psi_error'] ?? 0.25);
      if (Number.isFinite(w) && Number.isFinite(e) && w > e) out.push(diag(n, `drift: psi_warn (${w}) is above psi_error (${e})`, 'psi_warn must be <= psi_error'));
      if (kw['columns'] !== undefined && kw['columns'] !== null && !Array.isArray(kw['columns'])) {
        out.push(diag(n, "drift: 'columns' must be a list of column names", 'columns: [amount, channel]'));
      }
    }
    if (name === 'outlier_rate' && kw['method'] !== undefined && !['zscore', 'iqr'].includes(String(kw['method']).toLowerCase())) {
      out.push(diag(n, `outlier_rate: method must be 'zscore' or 'iqr', got ${JSON.stringify(kw['method'])}`, 'method: iqr'));
    }
  }
  return out;
}

function diag(n: ManifestNode, message: string, hint: string): Diagnostic {
  return { code: 'test-invalid', severity: 'error', message, hint, file: n.original_file_path, line: n.loc.line, col: n.loc.col, node: n.unique_id };
}
