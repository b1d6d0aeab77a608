import { describe, expect, it } from 'vitest';
import { loadFeatureRegistry } from '../../../src/features/index.js';

const refs: Record<string, { relation: string; uniqueId: string }> = {
  customer_daily: { relation: '"analytics"."customer_daily"', uniqueId: 'model.shop.customer_daily' },
};
const load = (text: string) =>
  loadFeatureRegistry([{ file: 'semantic/features.yml', text }], { namespace: 'shop.analytics', resolveRef: (n) => refs[n], refNames: Object.keys(refs) });

const GOOD = `entities:
  - { name: customer, join_keys: [customer_id] }
feature_views:
  - name: customer_features
    entity: customer
    source: ref('customer_daily')
    timestamp: as_of
    ttl: 90d
    owner: growth-ml
    tags: [churn]
    features:
      - { name: purchase_count_30d, type: int64, impute: zero }
      - { name: avg_order_value_90d, type: float64, impute: mean }
feature_services:
  - { name: churn_v1, features: [customer_features:purchase_count_30d, customer_features:avg_order_value_90d] }
`;

function only(text: string): { code: string; line: number | undefined; message: string; hint: string | undefined } {
  const { registry, diagnostics } = load(text);
  expect(registry).toBeUndefined();
  expect(diagnostics).toHaveLength(1);
  const d = diagnostics[0]!;
  expect(d.file).toBe('semantic/features.yml');
  return { code: d.code, line: d.line, message: d.message, hint: d.hint };
}

describe('feature registry loading', () => {
  it('loads a valid definition with lineage, TTL and imputation', () => {
    const { registry, diagnostics } = load(GOOD);
    expect(diagnostics).toEqual([]);
    const v = registry!.views['customer_features']!;
    expect(v.source).toEqual({ kind: 'relation', relation: '"analytics"."customer_daily"', ref: 'customer_daily' });
    expect(v.dependsOn).toEqual(['model.shop.customer_daily']);
    expect(v.ttlSeconds).toBe(90 * 86400);
    expect(v.features.map((f) => f.impute)).toEqual([{ strategy: 'zero' }, { strategy: 'mean' }]);
    expect(v.loc).toEqual({ file: 'semantic/features.yml', line: 4, col: 11 });
    expect(registry!.services['churn_v1']!.features).toHaveLength(2);
  });

  it('unknown entity: did-you-mean at the entity line', () => {
    const e = only(GOOD.replace('entity: customer', 'entity: custmer'));
    expect(e).toMatchObject({ code: 'unknown-feature', line: 5, hint: "did you mean 'customer'?" });
  });

  it('unknown ref in source', () => {
    const e = only(GOOD.replace("ref('customer_daily')", "ref('customer_dayly')"));
    expect(e).toMatchObject({ code: 'ref-not-found', line: 6, hint: "did you mean 'customer_daily'?" });
  });

  it('bad ttl', () => {
    expect(only(GOOD.replace('ttl: 90d', 'ttl: ninety days'))).toMatchObject({ code: 'feature-invalid', line: 8 });
  });

  it('unknown feature type with a hint', () => {
    const e = only(GOOD.replace('type: float64, impute: mean', 'type: float65, impute: mean'));
    expect(e).toMatchObject({ code: 'feature-invalid', line: 13, hint: "did you mean 'float64'?" });
  });

  it('impute that does not fit the type', () => {
    const e = only(GOOD.replace('type: float64, impute: mean', 'type: string, impute: mean'));
    expect(e).toMatchObject({ code: 'feature-invalid', line: 13 });
  });

  it('a misspelt key is an error, not ignored', () => {
    const e = only(GOOD.replace('    owner: growth-ml', '    ownr: growth-ml'));
    expect(e.code).toBe('feature-invalid');
    expect(e.message).toContain('ownr');
  });

  it('service naming an unknown feature: did-you-mean at its line', () => {
    const e = only(GOOD.replace('customer_features:avg_order_value_90d]', 'customer_features:avg_order_value]'));
    expect(e).toMatchObject({ code: 'unknown-feature', line: 15, hint: "did you mean 'avg_order_value_90d'?" });
  });

  it('a view defined twice', () => {
    const text = GOOD.replace('feature_services:', `  - name: customer_features\n    entity: customer\n    source: analytics.x\n    timestamp: t\n    features: [{ name: a, type: int64 }]\nfeature_services:`);
    const e = only(text);
    expect(e.message).toContain('defined twice');
    expect(e.line).toBe(14);
  });
});
