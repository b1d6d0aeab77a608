import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { columnLineage, type RelationResolver } from '../../../src/docs/column-lineage.js';
import { initSqlParser } from '../../../src/semantic/index.js';

/**
 * Golden column lineage of tricky SQL: `cases/<name>.sql` → `cases/<name>.lineage.txt`.
 * Regenerate after an intended change with UPDATE_GOLDEN=1 and review the diff.
 */
const DIR = join(import.meta.dirname, 'cases');
const CATALOG: Record<string, { id: string; columns?: string[]; open?: boolean }> = {
  orders: { id: 'model.shop.orders', columns: ['order_id', 'customer_id', 'amount', 'status'] },
  customers: { id: 'model.shop.customers', columns: ['customer_id', 'name', 'region'] },
  events: { id: 'source.shop.raw.events' },
  dim_customer: { id: 'model.shop.dim_customer', columns: ['customer_id', 'region'], open: true },
};
const resolve: RelationResolver = ({ name }) => CATALOG[name];

function render(sql: string): string {
  const r = columnLineage(sql, resolve);
  if (r.error) return `error: ${r.error}\n`;
  return r.columns
    .map((c) => {
      const from = c.sources.map((s) => `${s.node}.${s.column}`).join(', ') || '(no column input)';
      return `${c.column} <- ${from} [${c.status}${c.direct ? ', direct' : ''}]${c.reason ? `\n    reason: ${c.reason}` : ''}`;
    })
    .join('\n')
    .concat('\n');
}

describe('column lineage golden files', () => {
  beforeAll(async () => {
    await initSqlParser();
  });
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.sql'))) {
    it(f, () => {
      const actual = render(readFileSync(join(DIR, f), 'utf8'));
      const golden = join(DIR, f.replace(/\.sql$/, '.lineage.txt'));
      if (process.env['UPDATE_GOLDEN'] || (!existsSync(golden) && process.env['CI'] !== 'true')) writeFileSync(golden, actual);
      expect(actual).toBe(readFileSync(golden, 'utf8'));
    });
  }
});
