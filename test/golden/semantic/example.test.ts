import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileManifest } from '../../../src/compiler/index.js';
import { loadProject } from '../../../src/project/index.js';
import { loadProjectSemantics, parseMetricQuery, planQuery, type SemanticLayer } from '../../../src/semantic/index.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const DIR = join(import.meta.dirname, 'example');

/** The example queries of issue 6 over the example gold star schema. */
const QUERIES: Record<string, unknown> = {
  'revenue-by-region': { metrics: ['revenue', 'orders', 'avg_order_value'], dimensions: ['customer.region'] },
  'monthly-revenue-smb-2024': {
    metrics: ['revenue'],
    dimensions: ['sales.sold_at.month'],
    filters: [{ member: 'customer.segment', op: 'equals', values: ['SMB'] }],
    time_range: { dimension: 'sales.sold_at', from: '2024-01-01', to: '2024-12-31' },
  },
  'unique-customers-quarter-region': { metrics: ['unique_customers'], dimensions: ['sales.sold_at.quarter', 'customer.region'] },
  'revenue-ytd': { metrics: ['revenue_ytd'], dimensions: ['sales.sold_at.month'] },
  'active-customers': { metrics: ['active_customers'], dimensions: ['activity.region'] },
  'visit-to-purchase': { metrics: ['visit_to_purchase'], dimensions: ['web.event_type'] },
  'top-categories': { metrics: ['revenue'], dimensions: ['product.category'], order: [{ member: 'revenue', desc: true }], limit: 10 },
  'drill-geography': { metrics: ['revenue'], drill: { hierarchy: 'geography', path: { 'customer.region': 'EMEA' } } },
  'sales-role-emea': { metrics: ['revenue'], dimensions: ['sales.channel'], role: 'sales' },
};

describe('example semantic layer: golden SQL', () => {
  let layer: SemanticLayer;
  beforeAll(async () => {
    const files = await loadProject({ projectDir: REPO, useCache: false, env: { HOME: '/nonexistent' } });
    const { manifest } = await compileManifest(files, {});
    const r = await loadProjectSemantics(files, manifest);
    expect(r.diagnostics).toEqual([]);
    layer = r.layer!;
  });

  for (const [name, raw] of Object.entries(QUERIES)) {
    it(name, () => {
      const { role, ...query } = raw as { role?: string };
      const security = role ? { role: layer.access!.roles[role]!, user: { region: 'EMEA' } } : undefined;
      const plan = planQuery(layer, parseMetricQuery(query), security);
      const text = `${plan.sql}\n-- params: ${JSON.stringify(plan.params)}\n`;
      const file = join(DIR, `${name}.sql`);
      if (process.env['UPDATE_GOLDEN'] === '1' || (!existsSync(file) && process.env['CI'] !== 'true')) {
        mkdirSync(DIR, { recursive: true });
        writeFileSync(file, text);
      }
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }
});
