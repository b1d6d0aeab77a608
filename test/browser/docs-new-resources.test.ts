import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectFor, strata } from '../helpers/strata-cli.js';
import { NEW_RESOURCES_FILES } from '../integration/docs/new-resources-project.js';
import { ARTIFACTS, haveChromium, launchChromium, newPage } from './browser.js';

const run = haveChromium || process.env['CI'] === 'true';

describe.runIf(run)('docs site in Chromium: exposures, model versions, contracts, unit tests', () => {
  let dir: string;
  let browser: BrowserContext;
  let page: Page;
  const open = async (hash: string): Promise<void> => {
    await page.goto(`${pathToFileURL(join(dir, 'target', 'docs', 'index.html')).href}${hash}`);
    await page.waitForSelector('body[data-ready="true"]');
  };

  beforeAll(async () => {
    ({ dir } = await projectFor({ name: 'pglite' }, NEW_RESOURCES_FILES));
    expect((await strata(['compile', '--project-dir', dir])).code).toBe(0);
    expect((await strata(['docs', 'generate', '--project-dir', dir])).code).toBe(0);
    browser = await launchChromium();
    page = await newPage(browser);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('finds an exposure by search; its page lists owner, type, maturity, an http link and its upstream nodes', async () => {
    await open('');
    await page.fill('#search', 'weekly');
    // Name matches come first; other hits say where they matched (description, SQL, …).
    await expect(page.locator('#search-results li[data-field="name"]').allTextContents()).resolves.toEqual([expect.stringContaining('weekly_dashboard')]);
    await expect(page.locator('#search-results li').first().textContent()).resolves.toContain('weekly_dashboard');
    await page.click('#search-results li:first-child a');
    await page.locator('#page-title', { hasText: /^weekly_dashboard$/ }).waitFor();
    const text = await page.locator('.page').textContent();
    for (const s of ['dashboard', 'Ana <ana@example.com>', 'high', 'Weekly numbers.']) expect(text).toContain(s);
    await expect(page.getAttribute('#exposure-url', 'href')).resolves.toBe('https://bi.example.com/weekly');
    await expect(page.locator('#exposure-depends a').allTextContents()).resolves.toEqual(['orders', 'dim_customers.v2']);
    await page.screenshot({ path: join(ARTIFACTS, 'exposure-page.png'), fullPage: true });
  });

  it('a javascript: exposure URL is text, not a link', async () => {
    await open(`#/node/${encodeURIComponent('exposure.t.odd_link')}`);
    await page.locator('#page-title', { hasText: /^odd_link$/ }).waitFor();
    await expect(page.locator('#exposure-url').count()).resolves.toBe(0);
    await expect(page.locator('.page a[href^="javascript"]').count()).resolves.toBe(0);
    await expect(page.locator('.page').textContent()).resolves.toContain('javascript:alert(1)');
  });

  it('the lineage shows the exposure downstream of the versioned model, labelled name.vN', async () => {
    await open(`#/lineage/${encodeURIComponent('model.t.dim_customers.v2')}?up=2&down=2`);
    await page.waitForSelector('.lineage-page[data-focus="model.t.dim_customers.v2"] svg .node.focus');
    await expect(page.locator('svg .node.focus text').textContent()).resolves.toBe('dim_customers.v2');
    await page.waitForSelector('svg .node.type-exposure[data-id="exposure.t.weekly_dashboard"]');
    await expect(page.locator('svg .edge[data-from="model.t.dim_customers.v2"][data-to="exposure.t.weekly_dashboard"]').count()).resolves.toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'lineage-versioned-exposure.png'), fullPage: true });
  });

  it('versioned model pages mark the latest; search lists both versions', async () => {
    await open('');
    await page.fill('#search', 'dim_customers');
    await expect(page.locator('#search-results li[data-field="name"] a').allTextContents()).resolves.toEqual(['dim_customers.v1', 'dim_customers.v2']);
    await expect(page.locator('#search-results li a').first().textContent()).resolves.toBe('dim_customers.v1');
    await expect(page.locator('#search-results li').nth(1).textContent()).resolves.toContain('latest version');
    await open(`#/node/${encodeURIComponent('model.t.dim_customers.v2')}`);
    await page.locator('#page-title', { hasText: /^dim_customers\.v2$/ }).waitFor();
    await expect(page.locator('.page-head .badge.latest').textContent()).resolves.toBe('latest version');
    await open(`#/node/${encodeURIComponent('model.t.dim_customers.v1')}`);
    await page.locator('#page-title', { hasText: /^dim_customers\.v1$/ }).waitFor();
    await expect(page.locator('.page-head .badge.latest').count()).resolves.toBe(0);
    await expect(page.locator('.page').textContent()).resolves.toContain('v1 (latest is v2)');
  });

  it('renders descriptions as markdown without raw HTML or script links', async () => {
    await open(`#/node/${encodeURIComponent('model.t.orders')}`);
    await page.locator('#page-title', { hasText: /^orders$/ }).waitFor();
    await expect(page.locator('.page .markdown strong').first().textContent()).resolves.toBe('Completed');
    await expect(page.locator('.page a[href="https://shop.example.com"]').getAttribute('rel')).resolves.toBe('noopener noreferrer');
    await expect(page.locator('.page img').count()).resolves.toBe(0);
    await expect(page.locator('.page a[href^="javascript"]').count()).resolves.toBe(0);
    // The HTML is shown as text, not run.
    await expect(page.locator('.page').textContent()).resolves.toContain('<img src=x');
    await expect(page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).resolves.toBeUndefined();
  });

  it('a contracted model page shows contract enforced, column types and constraints, and its unit tests', async () => {
    await open(`#/node/${encodeURIComponent('model.t.orders')}`);
    await page.locator('#page-title', { hasText: /^orders$/ }).waitFor();
    await expect(page.locator('.page-head .badge.contract').textContent()).resolves.toBe('contract enforced');
    await expect(page.locator('.page').textContent()).resolves.toContain('primary_key (order_id)');
    await expect(page.locator('#columns tr', { hasText: 'order_id' }).locator('td').allTextContents()).resolves.toEqual(expect.arrayContaining(['integer', 'not_null']));
    await expect(page.locator('#columns tr', { hasText: 'amount' }).locator('.constraints').textContent()).resolves.toBe('check (amount >= 0)');
    await expect(page.locator('#unit-tests li').allTextContents()).resolves.toEqual(['test_orders_amount — Amount passes through.']);
    await page.screenshot({ path: join(ARTIFACTS, 'contracted-model-page.png'), fullPage: true });
  });
});
