/**
 * Resolves a feature request (a service name, or `view:feature,...`) into the selected features
 * grouped by view, with their output column names.
 */
import { CompileError, didYouMean, error, type Diagnostic } from '../diagnostics/index.js';
import { resolveFeatureRef } from './load.js';
import { own } from '../shared/records.js';
import type { Feature, FeatureRef, FeatureRegistry, FeatureView } from './types.js';

/** One output column: a feature of a view. */
export interface SelectedFeature {
  readonly view: FeatureView;
  readonly feature: Feature;
  /** `<view>__<feature>`, or `<feature>` with short names. */
  readonly column: string;
}

export interface FeatureSelection {
  readonly features: readonly SelectedFeature[];
  /** Views in first-use order, each with its selected features. */
  readonly views: readonly { readonly view: FeatureView; readonly features: readonly SelectedFeature[] }[];
}

/**
 * @example
 * selectFeatures(registry, 'churn_v1')                                   // a service
 * selectFeatures(registry, 'customer_features:avg_order_value,customer_features:purchase_count_30d')
 * selectFeatures(registry, ['customer_features:avg_order_value'], { shortNames: true })
 * // { features: [{ view, feature, column: 'avg_order_value' }], views: [...] }
 */
export function selectFeatures(
  registry: FeatureRegistry,
  spec: string | readonly string[] | readonly FeatureRef[],
  opts: { readonly shortNames?: boolean } = {},
): FeatureSelection {
  const diags: Diagnostic[] = [];
  let refs: FeatureRef[] = [];
  const items: (string | FeatureRef)[] = typeof spec === 'string' ? spec.split(',').map((s) => s.trim()).filter(Boolean) : [...spec];
  if (items.length === 0) throw new CompileError([error('unknown-feature', 'no features requested', { hint: 'name a feature service or list view:feature,...' })]);
  for (const item of items) {
    if (typeof item !== 'string') {
      refs.push(item);
      continue;
    }
    if (!item.includes(':')) {
      const svc = own(registry.services, item);
      if (svc) {
        refs.push(...svc.features);
        continue;
      }
      if (!own(registry.views, item)) {
        const names = [...Object.keys(registry.services), ...Object.keys(registry.views)];
        diags.push(error('unknown-feature', `'${item}' is neither a feature service nor a feature view`, { hint: didYouMean(item, names) ?? `services: ${Object.keys(registry.services).join(', ') || '(none)'}` }));
        continue;
      }
    }
    const r = resolveFeatureRef(item, registry.views, {});
    if ('diagnostic' in r) diags.push(r.diagnostic);
    else refs.push(...r.refs);
  }
  const seen = new Set<string>();
  refs = refs.filter((r) => {
    const k = `${r.view}:${r.feature}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const features: SelectedFeature[] = [];
  for (const r of refs) {
    const view = own(registry.views, r.view);
    const feature = view?.features.find((f) => f.name === r.feature);
    if (!view || !feature) {
      diags.push(error('unknown-feature', `unknown feature '${r.view}:${r.feature}'`));
      continue;
    }
    features.push({ view, feature, column: opts.shortNames ? feature.name : `${view.name}__${feature.name}` });
  }
  const cols = new Map<string, SelectedFeature>();
  for (const f of features) {
    const other = cols.get(f.column);
    if (other) diags.push(error('unknown-feature', `output column '${f.column}' would come from both '${other.view.name}' and '${f.view.name}'`, { hint: 'drop --short-names' }));
    cols.set(f.column, f);
  }
  if (diags.length) throw new CompileError(diags);
  const byView = new Map<string, SelectedFeature[]>();
  for (const f of features) byView.set(f.view.name, [...(byView.get(f.view.name) ?? []), f]);
  return { features, views: [...byView.values()].map((fs) => ({ view: fs[0]!.view, features: fs })) };
}

/** Every join key the selection needs from the entity input, in first-use order. */
export function requiredKeys(sel: FeatureSelection): string[] {
  return [...new Set(sel.views.flatMap((v) => v.view.joinKeys))];
}
