/**
 * Golden SQL of the feature store: point-in-time joins (three formulations), materialization
 * queries and the feature_table plan. Regenerate with `UPDATE_GOLDEN=1 npx vitest run test/golden/features`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPitSql, latestRowsSql, loadFeatureRegistry, selectFeatures, type FeatureRegistry, type PitView } from '../../../src/features/index.js';
import { planNode } from '../../../src/planner/plan-node.js';
import { renderPlan } from '../../../src/planner/render-plan.js';
import { modelNode } from '../../unit/planner/node-fixture.js';

const DIR = join(import.meta.dirname, 'sql');
const YAML = `entities:
  - { name: customer, join_keys: [customer_id] }
  - { name: store, join_keys: [region, store_id] }
feature_views:
  - name: customer_features
    entity: customer
    source: ref('customer_daily')
    timestamp: as_of
    ttl: 90d
    features:
      - { name: purchase_count_30d, type: int64 }
      - { name: avg_order_value_90d, type: float64 }
  - name: store_features
    entity: store
    source: select region, store_id, updated_at, footfall from raw.stores
    timestamp: updated_at
    created_timestamp: updated_at
    features:
      - { name: footfall, type: int64 }
`;
const registry: FeatureRegistry = loadFeatureRegistry([{ file: 'f.yml', text: YAML }], {
  namespace: 'shop.analytics',
  resolveRef: (n) => ({ relation: `"analytics"."${n}"`, uniqueId: `model.shop.${n}` }),
  refNames: [],
}).registry!;
const types: Record<string, Record<string, string>> = {
  customer_features: { customer_id: 'bigint', as_of: 'date' },
  store_features: { region: 'text', store_id: 'integer', updated_at: 'timestamp with time zone' },
};
const sel = selectFeatures(registry, 'customer_features:purchase_count_30d,customer_features:avg_order_value_90d,store_features:footfall');
const views: PitView[] = sel.views.map((v) => ({ view: v.view, features: v.features, sourceTypes: types[v.view.name]! }));
const pit = (approach: 'lateral' | 'row_number' | 'correlated'): string =>
  buildPitSql({ entities: 'pg_temp."__strata_entities"', rowId: '__strata_row', timestampColumn: 'event_timestamp', columns: ['customer_id', 'region', 'store_id', 'event_timestamp', 'label'], views }, approach);

const ftNode = modelNode('customer_daily', 'select customer_id, as_of, 1 as n from "analytics"."x"');
const ft = { ...ftNode, config: { ...ftNode.config, materialized: 'feature_table', entity_keys: ['customer_id'], feature_timestamp: 'as_of', lookback: '3d' } };
const existing = { existing: { schema: ftNode.schema, name: ftNode.alias, kind: 'table' as const }, columns: [{ name: 'customer_id', dataType: 'bigint' }, { name: 'as_of', dataType: 'date' }, { name: 'n', dataType: 'integer' }] };
const opts = { fullRefresh: false, runId: 'golden-run' };

const cases: Record<string, () => string> = {
  'pit-lateral': () => pit('lateral'),
  'pit-row-number': () => pit('row_number'),
  'pit-correlated': () => pit('correlated'),
  'materialize-full': () => latestRowsSql(registry.views['customer_features']!, types['customer_features']!, false),
  'materialize-incremental': () => latestRowsSql(registry.views['store_features']!, types['store_features']!, true),
  'feature-table-first-run': () => renderPlan(planNode(ft, { existing: undefined, columns: [] }, opts)),
  'feature-table-incremental': () => renderPlan(planNode(ft, existing, opts)),
};

describe('golden feature-store SQL', () => {
  for (const [name, make] of Object.entries(cases)) {
    it(name, () => {
      const text = `${make()}\n`;
      const file = join(DIR, `${name}.sql`);
      if (process.env['UPDATE_GOLDEN'] === '1' || (!existsSync(file) && process.env['CI'] !== 'true')) {
        mkdirSync(DIR, { recursive: true });
        writeFileSync(file, text);
      }
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('feature_table without entity_keys is a config error naming the key', () => {
    const bad = { ...ft, config: { ...ft.config, entity_keys: undefined } };
    expect(() => planNode(bad, existing, opts)).toThrow(/entity_keys/);
  });
});
