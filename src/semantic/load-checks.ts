/**
 * Cross-member checks of the semantic layer loader: dimension members (with granularities),
 * member existence for access rules, and cycles between ratio/derived metrics.
 */
import { didYouMean, error, type Diagnostic } from '../diagnostics/index.js';
import type { Granularity, Metric, SemanticModel } from './types.js';

/** `customer.region`, `sales.sold_at.month` → a problem description, or undefined when valid. */
export function checkDimensionMember(
  models: Readonly<Record<string, SemanticModel>>,
  member: string,
): { message: string; hint?: string } | undefined {
  const [mod, dim, grain, ...rest] = member.split('.');
  const model = mod ? models[mod] : undefined;
  if (!model || !dim || rest.length) {
    const hint = mod ? didYouMean(mod, Object.keys(models)) : undefined;
    return { message: `unknown dimension '${member}'`, ...(hint ? { hint } : { hint: 'write <semantic_model>.<dimension>[.<granularity>]' }) };
  }
  const d = model.dimensions[dim];
  if (!d) {
    const hint = didYouMean(dim, Object.keys(model.dimensions));
    return { message: `model '${mod}' has no dimension '${dim}'`, hint: hint ?? `dimensions: ${Object.keys(model.dimensions).join(', ')}` };
  }
  if (grain !== undefined) {
    if (d.type !== 'time') return { message: `'${mod}.${dim}' is not a time dimension, so it has no granularity '${grain}'` };
    if (!d.granularities.includes(grain as Granularity)) return { message: `'${mod}.${dim}' has no granularity '${grain}'`, hint: `granularities: ${d.granularities.join(', ')}` };
  }
  return undefined;
}

export function memberExists(models: Readonly<Record<string, SemanticModel>>, metrics: Readonly<Record<string, Metric>>, member: string): boolean {
  if (metrics[member]) return true;
  const [mod, name] = member.split('.');
  const m = mod ? models[mod] : undefined;
  return Boolean(m && name && (m.dimensions[name] || m.measures[name]));
}

export function checkMetricCycles(metrics: Readonly<Record<string, Metric>>, diags: Diagnostic[]): void {
  const deps = (m: Metric): string[] => (m.type === 'ratio' ? [m.numerator, m.denominator] : m.type === 'derived' ? [...m.metrics] : []);
  const state = new Map<string, 1 | 2>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 2) return;
    if (state.get(name) === 1) {
      const cycle = [...path.slice(path.indexOf(name)), name];
      const m = metrics[name]!;
      diags.push(error('semantic-invalid', `metrics refer to each other in a cycle: ${cycle.join(' -> ')}`, { ...m.loc }));
      return;
    }
    const m = metrics[name];
    if (!m) return;
    state.set(name, 1);
    for (const d of deps(m)) visit(d, [...path, name]);
    state.set(name, 2);
  };
  for (const name of Object.keys(metrics)) visit(name, []);
}

