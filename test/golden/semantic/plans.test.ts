import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initSqlParser, loadSemanticLayer, parseMetricQuery, planQuery, type SemanticLayer } from '../../../src/semantic/index.js';
import { starSemanticYaml } from '../../fixtures/semantic/star.js';

const DIR = join(import.meta.dirname, 'plans');
const QUERIES: Record<string, unknown> = {
  'revenue-by-region': { metrics: ['revenue'], dimensions: ['customer.region'] },
  'ratio-derived-by-month': { metrics: ['avg_order_value', 'revenue_per_customer'], dimensions: ['sales.sold_at.month'] },
  'two-models-combined': { metrics: ['revenue', 'visits'], dimensions: ['customer.region', 'sales.channel'].slice(0, 1) },
  'cumulative-ytd': { metrics: ['revenue_ytd'], dimensions: ['sales.sold_at.month'], time_range: { dimension: 'sales.sold_at', from: '2024-01-01', to: '2024-12-31' } },
  'rolling-7d': { metrics: ['revenue_7d'], dimensions: ['sales.sold_at.day'] },
  conversion: { metrics: ['visit_to_purchase'], dimensions: ['customer.segment'] },
  'filters-order-limit': {
    metrics: ['revenue', 'orders'],
    dimensions: ['product.category'],
    filters: [
      { member: 'customer.segment', op: 'in', values: ['SMB'] },
      { member: 'revenue', op: 'gt', values: [100] },
    ],
    segments: ['sales.online'],
    order: [{ member: 'revenue', desc: true }],
    limit: 10,
  },
  drill: { metrics: ['revenue'], drill: { hierarchy: 'calendar', path: { 'sales.sold_at.year': 2024 } } },
};

describe('golden plans for the semantic fixture', () => {
  let layer: SemanticLayer;
  beforeAll(async () => {
    await initSqlParser();
    const r = loadSemanticLayer([{ file: 'semantic/star.yml', text: starSemanticYaml('gold') }], { resolveRef: () => undefined, refNames: [] });
    layer = r.layer!;
  });

  for (const [name, query] of Object.entries(QUERIES)) {
    it(name, () => {
      const plan = planQuery(layer, parseMetricQuery(query));
      const text = `${plan.sql}\n-- params: ${JSON.stringify(plan.params)}\n`;
      const file = join(DIR, `${name}.sql`);
      if (process.env['UPDATE_GOLDEN'] === '1' || (!existsSync(file) && process.env['CI'] !== 'true')) {
        mkdirSync(DIR, { recursive: true });
        writeFileSync(file, text);
      }
      expect(text).toBe(readFileSync(file, 'utf8'));
      // Same input, same SQL: plans are deterministic.
      expect(planQuery(layer, parseMetricQuery(query)).sql).toBe(plan.sql);
    });
  }
});
