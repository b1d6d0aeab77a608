import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../../src/diagnostics/index.js';
import { buildFolderTree, mergeConfigs, parseYamlLocated, resolveFolderConfig, resourceRelativePath } from '../../../src/project/index.js';

function tree(yamlText: string) {
  const y = parseYamlLocated(yamlText, 'dbt_project.yml');
  const bag = new DiagnosticBag();
  const t = buildFolderTree((y.value as Record<string, unknown>).models, y, ['models'], bag);
  return { tree: t, bag };
}

const MODELS = `models:
  +persist_docs: {relation: true}
  shop:
    +materialized: view
    +tags: [shop]
    +meta: {owner: data, tier: 2}
    +pre-hook: "select 1"
    staging:
      +tags: [staging, shop]
      materialized: table
      schema: stg
      meta: {tier: 1}
      post_hook: ["select 2"]
      payments:
        +tags: pay
        +materialized: incremental
        stg_payments:
          +alias: payments_v2
    marts:
      +enabled: false
  other_package:
    +materialized: ephemeral
`;

describe('resolveFolderConfig', () => {
  const { tree: t, bag } = tree(MODELS);

  it('builds the tree without diagnostics; bare known keys are config, others are folders', () => {
    expect(bag.all).toEqual([]);
    expect(Object.keys(t.children)).toEqual(['shop', 'other_package']);
    expect(Object.keys(t.children.shop?.children ?? {})).toEqual(['staging', 'marts']);
    expect(t.children.shop?.children.staging?.config).toEqual({
      tags: ['staging', 'shop'], materialized: 'table', schema: 'stg', meta: { tier: 1 }, post_hook: ['select 2'],
    });
  });

  it('applies project level < folder < subfolder, most specific wins', () => {
    expect(resolveFolderConfig(t, 'shop', 'orders.sql')).toEqual({
      persist_docs: { relation: true }, materialized: 'view', tags: ['shop'], meta: { owner: 'data', tier: 2 }, pre_hook: ['select 1'],
    });
    const c = resolveFolderConfig(t, 'shop', 'staging/payments/stg_payments_x.sql');
    expect(c.materialized).toBe('incremental');
    expect(c.schema).toBe('stg');
  });

  it('accumulates tags (union, in order) and hooks; merges meta', () => {
    const c = resolveFolderConfig(t, 'shop', 'staging/payments/stg_payments_x.sql');
    expect(c.tags).toEqual(['shop', 'staging', 'pay']);
    expect(c.meta).toEqual({ owner: 'data', tier: 1 });
    expect(c.pre_hook).toEqual(['select 1']);
    expect(c.post_hook).toEqual(['select 2']);
  });

  it('matches a key named like the node itself (dbt fqn)', () => {
    expect(resolveFolderConfig(t, 'shop', 'staging/payments/stg_payments.sql').alias).toBe('payments_v2');
    expect(resolveFolderConfig(t, 'shop', 'staging/payments/stg_other.sql').alias).toBeUndefined();
  });

  it('uses only the given project subtree', () => {
    expect(resolveFolderConfig(t, 'other_package', 'x.sql')).toEqual({ persist_docs: { relation: true }, materialized: 'ephemeral' });
    expect(resolveFolderConfig(t, 'unknown', 'marts/x.sql')).toEqual({ persist_docs: { relation: true } });
    expect(resolveFolderConfig(t, 'shop', 'marts/deep/x.sql').enabled).toBe(false);
  });

  it('reports config-invalid at the offending line', () => {
    const { bag: b } = tree('models:\n  shop:\n    +materialized: view\n    gold:\n      +enabled: 3\n');
    expect(b.all).toEqual([expect.objectContaining({ code: 'config-invalid', line: 5, col: 17 })]);
  });
});

describe('mergeConfigs / resourceRelativePath', () => {
  it('merges layers with the same rules', () => {
    expect(mergeConfigs([{ tags: ['a'], schema: 'x' }, { tags: 'b', schema: 'y' }, { tags: ['a'] }])).toEqual({ tags: ['a', 'b'], schema: 'y' });
  });

  it('strips the longest resource path', () => {
    expect(resourceRelativePath('models/staging/a.sql', ['models'])).toBe('staging/a.sql');
    expect(resourceRelativePath('models/extra/a.sql', ['models', 'models/extra'])).toBe('a.sql');
    expect(resourceRelativePath('a.sql', ['.'])).toBe('a.sql');
  });
});
