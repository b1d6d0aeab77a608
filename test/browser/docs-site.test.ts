import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strata } from '../helpers/strata-cli.js';
import { writeTempProject } from '../helpers/temp-project.js';
import { docsProjectFiles } from '../integration/docs/docs-project.js';
import { ARTIFACTS, haveChromium, launchChromium, newPage, serveProjectDocs } from './browser.js';

/** The page's globals used in page.evaluate callbacks, typed without the DOM lib (Node tsconfig). */
interface PageCanvas {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { readonly data: Uint8ClampedArray } };
  getBoundingClientRect(): { readonly left: number; readonly top: number };
}
interface PageGlobals {
  readonly document: { querySelector(selector: string): unknown };
  readonly window: { readonly __strataChart?: { getDatasetMeta(i: number): { readonly data: readonly { readonly x: number; readonly y: number; readonly base: number }[] } } };
}

const run = haveChromium || process.env['CI'] === 'true';

describe.runIf(run)('docs site in Chromium', () => {
  let dir: string;
  let browser: BrowserContext;
  let page: Page;
  let served: Awaited<ReturnType<typeof serveProjectDocs>> | undefined;
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    dir = await writeTempProject(docsProjectFiles());
    expect((await strata(['build', '--project-dir', dir])).code).toBe(0);
    expect((await strata(['docs', 'generate', '--project-dir', dir])).code).toBe(0);
    browser = await launchChromium();
    page = await newPage(browser);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('opens from disk, finds a model by search and shows its columns with lineage', async () => {
    await page.goto(pathToFileURL(join(dir, 'target', 'docs', 'index.html')).href);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#search', 'fct_ord');
    await page.click('#search-results li:first-child a');
    await page.locator('#page-title', { hasText: /^fct_orders$/ }).waitFor();
    const region = page.locator('#columns tr', { hasText: 'customer_region' });
    await expect(region.locator('.col-source').textContent()).resolves.toBe('stg_customers.region');
    // Tests with their last status: `strata build` ran them (run_results.json).
    await expect(page.locator('#columns tr', { hasText: 'order_id' }).locator('.test').evaluateAll((els) => els.map((e) => `${e.firstChild!.textContent}:${e.getAttribute('data-status')}`))).resolves.toEqual(['unique:pass', 'not_null:pass']);
    await page.click('button[data-tab="compiled"]');
    await expect(page.locator('pre.code').textContent()).resolves.toContain('"stg_orders"');
    await shot('model-page');
  });

  it('opens the lineage graph, follows an edge and changes the depth', async () => {
    await page.click('#open-lineage');
    await page.waitForSelector('.lineage-page[data-focus="model.shop.fct_orders"] svg .node.focus');
    const names = await page.locator('svg .node').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    expect(names).toEqual(expect.arrayContaining(['model.shop.stg_orders', 'seed.shop.raw_orders', 'semantic_model.shop.orders', 'metric.shop.revenue', 'model.shop.customer_daily']));
    await shot('lineage-fct_orders');
    // Follow the edge stg_orders → fct_orders upstream: the graph re-centres on stg_orders.
    await page.locator('svg .edge[data-from="model.shop.stg_orders"][data-to="model.shop.fct_orders"] .edge-hit').dispatchEvent('click');
    await page.waitForSelector('.lineage-page[data-focus="model.shop.stg_orders"]');
    await page.fill('#down-depth', '4');
    await page.press('#down-depth', 'Enter');
    await page.waitForSelector('svg .node[data-id="feature_service.shop.churn_model"]');
    const ids = await page.locator('svg .node').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    expect(ids).toEqual(expect.arrayContaining(['metric.shop.avg_order_value', 'feature_service.shop.churn_model']));
    await shot('lineage-stg_orders-depth4');
    // Clicking a node re-centres; its page opens from the header.
    await page.locator('svg .node[data-id="metric.shop.revenue"]').click();
    await page.waitForSelector('.lineage-page[data-focus="metric.shop.revenue"]');
    await page.click('#open-page');
    await page.locator('#page-title', { hasText: /^revenue$/ }).waitFor();
    await expect(page.locator('.page').textContent()).resolves.toContain('customer.region → customer.country → customer.city');
  });

  it('runs a metric query in the explorer served by strata serve, drills down and draws the chart', async () => {
    served = await serveProjectDocs(dir, { auth: { devRole: 'dev' } });
    await page.goto(`${served.base}/docs/#/explorer`);
    await page.waitForSelector('#metric option[value="revenue"]', { state: 'attached' });
    await page.selectOption('#metric', 'revenue');
    await page.selectOption('#hierarchy', 'geography');
    await page.click('#run');
    await page.waitForSelector('#result-table tbody tr');
    const regions = await page.locator('#result-table tbody tr td:first-child').allTextContents();
    expect(regions.sort()).toEqual(['AMER', 'APAC', 'EMEA']);
    const painted = (): Promise<number> =>
      page.evaluate(() => {
        const c = (globalThis as unknown as PageGlobals).document.querySelector('#chart') as PageCanvas;
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
        return n;
      });
    expect(await page.getAttribute('#chart', 'data-points')).toBe('3');
    expect(await painted()).toBeGreaterThan(1000);
    await shot('explorer-regions');
    // Drill by clicking the EMEA bar in the chart.
    const emea = regions.indexOf('EMEA') >= 0 ? (await page.locator('#result-table tbody tr td:first-child').allTextContents()).indexOf('EMEA') : -1;
    const point = await page.evaluate((i) => {
      const g = globalThis as unknown as PageGlobals;
      const el = g.window.__strataChart!.getDatasetMeta(0).data[i]!;
      const r = (g.document.querySelector('#chart') as PageCanvas).getBoundingClientRect();
      return { x: r.left + el.x, y: r.top + (el.y + el.base) / 2 };
    }, emea);
    await page.mouse.click(point.x, point.y);
    await expect.poll(() => page.locator('#drill-path a').count()).toBe(2);
    await expect(page.locator('#result-table thead').textContent()).resolves.toContain('customer.country');
    const countries = await page.locator('#result-table tbody tr td:first-child').allTextContents();
    expect(countries.sort()).toEqual(['France', 'Germany']);
    // Drill again by clicking the Germany row: cities of Germany, the finest level.
    await page.locator('#result-table tbody tr', { hasText: 'Germany' }).click();
    await expect.poll(() => page.locator('#drill-path a').count()).toBe(3);
    const cities = await page.locator('#result-table tbody tr td:first-child').allTextContents();
    expect(cities.sort()).toEqual(['Berlin', 'Munich']);
    expect(await painted()).toBeGreaterThan(1000);
    await shot('explorer-drill-germany');
    // Back to the top through the breadcrumb.
    await page.click('#drill-path a[data-depth="0"]');
    await expect.poll(() => page.locator('#drill-path a').count()).toBe(1);
  });
});
