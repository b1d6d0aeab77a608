import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DocsDetail, DocsIndex, MetricDetail, NodeDetail, SearchIndex } from '../../../src/docs/docs-data.js';
import { FIELD, searchDocs } from '../../../src/docs/search-index.js';
import { strata } from '../../helpers/strata-cli.js';
import { writeTempProject } from '../../helpers/temp-project.js';
import { docsProjectFiles } from './docs-project.js';

/** Evaluates the generated data scripts as the page would. */
function readSite(dir: string): { index: DocsIndex; details: DocsDetail[] } {
  let index: DocsIndex | undefined;
  const details: DocsDetail[] = [];
  const window = {
    __strataDocsIndex: (d: DocsIndex) => (index = d),
    __strataDocsShard: (k: number, d: DocsDetail[]) => details.splice(k * index!.shardSize, d.length, ...d),
  };
  const run = (file: string): void => new Function('window', readFileSync(join(dir, 'data', file), 'utf8'))(window);
  run('index.js');
  for (const f of readdirSync(join(dir, 'data')).filter((x) => x.startsWith('nodes-'))) run(f);
  return { index: index!, details };
}

describe('strata docs generate', () => {
  let dir: string;
  let site: { index: DocsIndex; details: DocsDetail[] };
  const detail = (name: string): DocsDetail => site.details[site.index.names.indexOf(name)]!;

  beforeAll(async () => {
    dir = await writeTempProject(docsProjectFiles());
    const r = await strata(['docs', 'generate', '--project-dir', dir]);
    expect(r.stderr + r.stdout).toContain('Documented');
    expect(r.code).toBe(0);
    site = readSite(join(dir, 'target', 'docs'));
  });

  it('writes a static site that opens from disk', () => {
    for (const f of ['index.html', 'app.js', 'app.css', 'data/index.js', 'data/nodes-0.js']) expect(existsSync(join(dir, 'target', 'docs', f))).toBe(true);
    expect(readFileSync(join(dir, 'target', 'docs', 'index.html'), 'utf8')).toContain('<script src="app.js">');
  });

  it('has one lineage graph: seeds → models → semantic models → metrics, models → feature views → services', () => {
    const { index } = site;
    const parentsOf = (name: string): string[] => index.parents[index.names.indexOf(name)]!.map((i) => index.names[i]!).sort();
    expect(index.counts).toMatchObject({ seed: 2, model: 5, semantic_model: 2, metric: 3, feature_view: 1, feature_service: 1 });
    expect(parentsOf('fct_orders')).toEqual(['stg_customers', 'stg_orders']);
    expect(parentsOf('orders')).toEqual(['fct_orders']);
    expect(parentsOf('revenue')).toEqual(['orders']);
    expect(parentsOf('avg_order_value')).toEqual(['order_count', 'revenue']);
    expect(parentsOf('customer_stats')).toEqual(['customer_daily']);
    expect(parentsOf('churn_model')).toEqual(['customer_stats']);
    // Tests are facts on pages, not graph nodes.
    expect(index.types).not.toContain('test');
  });

  it('model pages carry columns with lineage through select * (seed headers), CTEs and USING', () => {
    const f = detail('fct_orders') as NodeDetail;
    const col = (n: string) => f.columns.find((c) => c.name === n)!;
    expect(f.columns.map((c) => c.name)).toEqual(['order_id', 'customer_id', 'ordered_at', 'amount', 'customer_region', 'tax', 'loaded_at']);
    // Tests with their last status: none ran yet.
    expect(col('order_id')).toMatchObject({ type: 'integer', tests: [{ name: 'unique', status: null }, { name: 'not_null', status: null }], description: 'The order.' });
    expect(col('amount').lineage).toMatchObject({ sources: [{ node: 'model.shop.stg_orders', column: 'amount' }], status: 'resolved', direct: true });
    expect(col('customer_region').lineage!.sources).toEqual([{ node: 'model.shop.stg_customers', column: 'region' }]);
    expect(col('tax').lineage).toMatchObject({ direct: false, status: 'resolved' });
    expect(col('loaded_at').lineage).toMatchObject({ sources: [], status: 'resolved' });
    // stg_customers is `select *` over a seed: expanded from the CSV header.
    const s = detail('stg_customers') as NodeDetail;
    expect(s.columns.map((c) => [c.name, c.lineage?.sources[0]?.node])).toEqual(
      ['customer_id', 'name', 'region', 'country', 'city'].map((c) => [c, 'seed.shop.raw_customers']),
    );
    // Downstream column lineage is the reverse of upstream: stg_customers.region feeds fct_orders.customer_region.
    expect(s.columns.find((c) => c.name === 'region')!.downstream).toEqual(expect.arrayContaining([{ node: 'model.shop.fct_orders', column: 'customer_region' }]));
    expect(f.rawCode).toContain("ref('stg_orders')");
    expect(f.compiledCode).toContain('"stg_orders"');
    expect(f.materialized).toBe('table');
  });

  it('places every node for the sidebar: package, file path, relation, tags; a landing section', () => {
    const { index } = site;
    const at = (name: string): number => index.names.indexOf(name);
    expect(index.packages[0]).toBe('shop');
    expect(index.paths[at('fct_orders')]).toMatch(/^models\/.*fct_orders\.sql$/);
    const rel = index.relations[at('fct_orders')]!;
    expect(rel[2]).toBe('fct_orders');
    expect(rel[1]).toBeTruthy();
    expect(index.relations[at('revenue')]).toBeNull();
    expect(index.ids.length).toBe(index.paths.length);
    expect(index.nodeTags.length).toBe(index.ids.length);
    // Recently changed files come from the project's file times, newest first.
    expect(index.landing.recent.length).toBeGreaterThan(0);
    const times = index.landing.recent.map(([, t]) => Date.parse(t));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(index.landing.slowest).toEqual([]);
  });

  it('writes a full-text index the page searches: column names and descriptions find their nodes', async () => {
    let search: SearchIndex | undefined;
    new Function('window', readFileSync(join(dir, 'target', 'docs', 'data', 'search.js'), 'utf8'))({ __strataDocsSearch: (d: SearchIndex) => (search = d) });
    const hit = searchDocs(search!, site.index.names, 'customer_region')[0]!;
    expect([site.index.names[hit.node], hit.field]).toEqual(['fct_orders', FIELD.column]);
    const byDescription = searchDocs(search!, site.index.names, 'order').map((h) => site.index.names[h.node]);
    expect(byDescription).toContain('fct_orders');
  });

  it('metric, feature view and service pages', () => {
    expect(detail('revenue')).toMatchObject({ kind: 'metric', definition: { measure: 'orders.revenue', aggregation: 'sum(amount)' }, hierarchies: [{ name: 'geography' }] });
    expect((detail('revenue') as MetricDetail).dimensions).toEqual(expect.arrayContaining(['orders.ordered_at.month', 'customer.region', 'customer.city']));
    expect(detail('customer_stats')).toMatchObject({ kind: 'feature_view', entity: 'customer', ttl: '90d', owner: 'ml-team' });
    expect(detail('churn_model')).toMatchObject({ kind: 'feature_service', features: [{ view: 'customer_stats', feature: 'order_count', type: 'int64' }, { view: 'customer_stats', feature: 'avg_amount', type: 'float64' }] });
  });

  it('strata ls --output json includes column lineage', async () => {
    const r = await strata(['ls', '--project-dir', dir, '-s', 'fct_orders', '--resource-type', 'model', '--output', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout.trim().split('\n')[0]!) as { columns: { name: string; sources: unknown[]; status: string }[] };
    expect(j.columns.find((c) => c.name === 'customer_region')).toEqual({ name: 'customer_region', sources: [{ node: 'model.shop.stg_customers', column: 'region' }], status: 'resolved', direct: true });
  });

  it('shows the last run after strata build', async () => {
    expect((await strata(['build', '--project-dir', dir])).code).toBe(0);
    expect((await strata(['docs', 'generate', '--project-dir', dir, '--catalog'])).code).toBe(0);
    site = readSite(join(dir, 'target', 'docs'));
    const f = detail('fct_orders') as NodeDetail;
    expect(f.lastRun).toMatchObject({ status: 'success' });
    // The landing page lists the slowest and largest models of that run.
    expect(site.index.landing.slowest.length).toBeGreaterThan(0);
    expect(site.index.landing.slowest.every(([i, s]) => site.index.types[i] !== undefined && s >= 0)).toBe(true);
    // Types from the live catalog (catalog.json) where YAML has none.
    expect(f.columns.find((c) => c.name === 'amount')!.type).toBe('numeric');
    expect(existsSync(join(dir, 'target', 'catalog.json'))).toBe(true);
  });
});
