import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocsDetail, DocsIndex, ExposureDetail, NodeDetail } from '../../../src/docs/docs-data.js';
import { searchNodes } from '../../../src/docs/search-nodes.js';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, strata } from '../../helpers/strata-cli.js';
import { NEW_RESOURCES_FILES } from './new-resources-project.js';

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

for (const db of testDatabases()) {
  describe(`docs of exposures, versions, contracts and unit tests on ${db.name}`, () => {
    let dir: string;
    let schema: string;
    let site: { index: DocsIndex; details: DocsDetail[] };
    const at = (id: string): number => site.index.ids.indexOf(id);
    const detail = (id: string): DocsDetail => site.details[at(id)]!;
    const parentsOf = (id: string): string[] => site.index.parents[at(id)]!.map((i) => site.index.ids[i]!).sort();

    beforeAll(async () => {
      ({ dir, schema } = await projectFor(db, NEW_RESOURCES_FILES));
      const build = await strata(['build', '--project-dir', dir]);
      // The contract is enforced and the unit test runs against the database.
      expect(build.stdout + build.stderr).toContain('test_orders_amount');
      expect(build.code, build.stdout + build.stderr).toBe(0);
      expect((await strata(['compile', '--project-dir', dir])).code).toBe(0);
      const r = await strata(['docs', 'generate', '--project-dir', dir]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      site = readSite(join(dir, 'target', 'docs'));
    }, 120_000);
    afterAll(async () => {
      if (schema) await dropSchema(db, schema);
    });

    it('exposures are end nodes of the lineage downstream of what they depend on, with a page', () => {
      expect(site.index.counts).toMatchObject({ exposure: 2, model: 3, seed: 1 });
      expect(parentsOf('exposure.t.weekly_dashboard')).toEqual(['model.t.dim_customers.v2', 'model.t.orders']);
      expect(parentsOf('exposure.t.odd_link')).toEqual(['model.t.dim_customers.v1']);
      // End nodes: nothing reads an exposure.
      const e = at('exposure.t.weekly_dashboard');
      expect(site.index.parents.some((ps) => ps.includes(e))).toBe(false);
      expect(detail('exposure.t.weekly_dashboard')).toEqual<ExposureDetail>({
        kind: 'exposure',
        id: 'exposure.t.weekly_dashboard',
        name: 'weekly_dashboard',
        description: 'Weekly numbers.',
        file: 'models/schema.yml',
        label: 'Weekly dashboard',
        exposureType: 'dashboard',
        owner: { name: 'Ana', email: 'ana@example.com' },
        url: 'https://bi.example.com/weekly',
        maturity: 'high',
        tags: [],
        dependsOn: ['model.t.orders', 'model.t.dim_customers.v2'],
      });
      expect(site.index.hints[e]).toBe('exposure (dashboard)');
      expect(searchNodes(site.index.names, 'weekly').map((i) => site.index.ids[i])).toEqual(['exposure.t.weekly_dashboard']);
    });

    it('versioned models are named name.vN, with the latest marked, in the index, search and pages', () => {
      const v1 = at('model.t.dim_customers.v1');
      const v2 = at('model.t.dim_customers.v2');
      expect([site.index.names[v1], site.index.names[v2]]).toEqual(['dim_customers.v1', 'dim_customers.v2']);
      expect(site.index.hints[v2]).toBe('models/dim_customers_v2.sql · latest version');
      expect(site.index.hints[v1]).toBe('models/dim_customers_v1.sql · version 1');
      expect(detail('model.t.dim_customers.v2')).toMatchObject({ name: 'dim_customers.v2', version: { v: '2', latest: true, latestVersion: '2' } });
      expect(detail('model.t.dim_customers.v1')).toMatchObject({ name: 'dim_customers.v1', version: { v: '1', latest: false, latestVersion: '2' } });
      expect(searchNodes(site.index.names, 'dim_customers').map((i) => site.index.names[i])).toEqual(['dim_customers.v1', 'dim_customers.v2']);
      expect(searchNodes(site.index.names, 'dim_customers.v2').map((i) => site.index.names[i])).toEqual(['dim_customers.v2']);
      expect((detail('model.t.orders') as NodeDetail).version).toBeUndefined();
    });

    it('a contracted model page has contract enforced, column data types and constraints, and its unit tests', () => {
      const o = detail('model.t.orders') as NodeDetail;
      expect(o.contractEnforced).toBe(true);
      expect(o.constraints).toEqual(['primary_key (order_id)']);
      expect(o.columns.map((c) => [c.name, c.type, c.constraints ?? []])).toEqual([
        ['order_id', 'integer', ['not_null']],
        ['amount', 'integer', ['check (amount >= 0)']],
      ]);
      expect(o.unitTests).toEqual([{ name: 'test_orders_amount', description: 'Amount passes through.' }]);
      const v2 = detail('model.t.dim_customers.v2') as NodeDetail;
      expect(v2.contractEnforced).toBeUndefined();
      expect(v2.unitTests).toBeUndefined();
    });

    it('unit tests are not lineage nodes', () => {
      expect(site.index.ids.filter((id) => id.startsWith('unit_test.'))).toEqual([]);
      expect(site.index.names).not.toContain('test_orders_amount');
      expect(parentsOf('model.t.orders')).toEqual(['seed.t.raw_orders']);
    });
  });
}
