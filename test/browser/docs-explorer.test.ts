/**
 * The metric explorer in Chromium against a real server and database: per-metric dimension
 * pickers (and what a role may see), series split with top N + "other", filters and a time range
 * that reach the rows, the SQL it ran, CSV export, the view in the URL, drill-down.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocsServer, mintToken } from '../../src/server/index.js';
import { strata } from '../helpers/strata-cli.js';
import { writeTempProject } from '../helpers/temp-project.js';
import { docsProjectFiles } from '../integration/docs/docs-project.js';
import { ARTIFACTS, haveChromium, launchChromium, newPage, serveProjectDocs } from './browser.js';

/** The page's globals used in page.evaluate callbacks, typed without the DOM lib (Node tsconfig). */
interface PageChart {
  readonly config: { readonly type: string };
  readonly data: { readonly labels: readonly string[]; readonly datasets: readonly { readonly label: string; readonly data: readonly (number | null)[] }[] };
  getDatasetMeta(i: number): { readonly data: readonly { readonly x: number; readonly y: number; readonly base: number }[] };
}
interface PageGlobals {
  readonly document: { querySelector(selector: string): { getBoundingClientRect(): { readonly left: number; readonly top: number } } };
  readonly window: { readonly __strataChart?: PageChart };
}

const SECRET = 'docs-explorer-test-secret-of-at-least-32-chars';
const run = haveChromium || process.env['CI'] === 'true';

/** The docs fixture plus a metric of the customer model (it cannot use orders.ordered_at) and two roles. */
function explorerProject(): Record<string, string> {
  const files = docsProjectFiles();
  files['semantic/shop.yml'] = files['semantic/shop.yml']!.replace(
    '      - { name: city }\n',
    '      - { name: city }\n    measures:\n      - { name: customer_count, agg: count }\n',
  ).replace('metrics:\n', 'metrics:\n  - { name: customer_count, type: simple, measure: customer.customer_count }\n') +
    'access:\n  roles:\n    analyst:\n      show_sql: true\n    viewer:\n      hide: [customer.city]\n';
  return files;
}

/** A minimal CSV reader (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      (row = []), (field = '');
    } else field += c;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

describe.runIf(run)('metric explorer in Chromium', () => {
  let dir: string;
  let browser: BrowserContext;
  let page: Page;
  let served: Awaited<ReturnType<typeof serveProjectDocs>> | undefined;
  let base = '';
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const runs = async (): Promise<number> => Number((await page.getAttribute('.explorer', 'data-runs')) ?? 0);
  /** Clicks Run and waits until that run has been drawn. */
  const runQuery = async (): Promise<void> => {
    const before = await runs();
    await page.click('#run');
    await expect.poll(runs, { timeout: 15_000 }).toBeGreaterThan(before);
  };
  const options = (sel: string): Promise<string[]> => page.locator(`${sel} option`).evaluateAll((els) => els.map((e) => e.getAttribute('value') ?? ''));
  const column = async (name: string): Promise<string[]> => {
    const heads = await page.locator('#result-table thead th').allTextContents();
    const i = heads.indexOf(name);
    expect(i, `column ${name} in ${heads.join(', ')}`).toBeGreaterThanOrEqual(0);
    return page.locator(`#result-table tbody tr td:nth-child(${i + 1})`).allTextContents();
  };
  const chartData = (): Promise<{ type: string; labels: string[]; datasets: { label: string; data: (number | null)[] }[] }> =>
    page.evaluate(() => {
      const c = (globalThis as unknown as PageGlobals).window.__strataChart!;
      return { type: c.config.type, labels: [...c.data.labels], datasets: c.data.datasets.map((d) => ({ label: d.label, data: [...d.data] })) };
    });
  const connect = async (role: string): Promise<void> => {
    await page.goto(`${base}/#/explorer`);
    await page.fill('#token', await mintToken({ secret: SECRET, role, attributes: {}, ttl: '1h' }));
    await page.click('#connect');
    await page.waitForSelector('#metric option[value="revenue"]', { state: 'attached' });
  };

  beforeAll(async () => {
    dir = await writeTempProject(explorerProject());
    expect((await strata(['build', '--project-dir', dir])).code).toBe(0);
    expect((await strata(['docs', 'generate', '--project-dir', dir])).code).toBe(0);
    served = await serveProjectDocs(dir, { auth: { secret: SECRET }, docsAtRoot: true });
    base = served.base;
    browser = await launchChromium();
    page = await newPage(browser);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('offers only the dimensions a metric can use and its role may see', async () => {
    await page.goto(`${base}/#/explorer`);
    // No token yet: the API refuses and the page says how to get one.
    await expect.poll(() => page.locator('#status').textContent()).toContain('strata token');
    await connect('viewer');
    await page.selectOption('#metric', 'customer_count');
    await expect.poll(() => options('#x-dim')).not.toContain('orders.ordered_at.month');
    expect(await options('#x-dim')).toEqual(['', 'customer.region', 'customer.country']);
    await page.selectOption('#metric', 'revenue');
    await expect.poll(() => options('#x-dim')).toContain('orders.ordered_at.month');
    const x = await options('#x-dim');
    expect(x).toEqual(expect.arrayContaining(['orders.ordered_at.day', 'orders.ordered_at.year', 'customer.region', 'customer.country']));
    // viewer may not see customer.city (hidden by the access policy), nor the SQL.
    expect(x).not.toContain('customer.city');
    await page.selectOption('#x-dim', 'customer.region');
    await runQuery();
    expect((await column('customer.region')).sort()).toEqual(['AMER', 'APAC', 'EMEA']);
    await expect.poll(() => page.locator('#sql').textContent()).toContain("may not see compiled SQL");
  });

  it('splits the chart into one series per value of the second dimension, top N plus other', async () => {
    await connect('analyst');
    await page.selectOption('#metric', 'revenue');
    await expect.poll(() => options('#x-dim')).toContain('customer.city');
    await page.selectOption('#x-dim', 'orders.ordered_at.month');
    await page.selectOption('#series-dim', 'customer.region');
    await runQuery();
    const regions = await column('customer.region');
    const distinct = [...new Set(regions)].sort();
    expect(distinct).toEqual(['AMER', 'APAC', 'EMEA']);
    const chart = await chartData();
    expect(chart.type).toBe('line');
    expect(chart.datasets.map((d) => d.label).sort()).toEqual(distinct);
    expect(await page.getAttribute('#chart', 'data-series')).toBe('3');
    // Every (month, region) row is one point.
    expect(await page.getAttribute('#chart', 'data-points')).toBe(String(regions.length));
    const months = await column('orders.ordered_at.month');
    // The x axis is every month from the first to the last, months without orders included.
    const first = new Date(`${months[0]}T00:00:00Z`);
    const span: string[] = [];
    for (const d = first; d.toISOString().slice(0, 10) <= months[months.length - 1]!; d.setUTCMonth(d.getUTCMonth() + 1)) span.push(d.toISOString().slice(0, 10));
    expect(chart.labels).toEqual(span);
    expect(span.length).toBeGreaterThan(new Set(months).size);
    for (const d of chart.datasets) expect(d.data.length).toBe(span.length);
    expect([...months]).toEqual([...months].sort());
    expect(months.length).toBeGreaterThan(3);
    await shot('explorer-series');
    // Top 2 by total, the third region summed as "other".
    const revenue = (await column('revenue')).map(Number);
    const totals = new Map<string, number>();
    regions.forEach((r, i) => totals.set(r, (totals.get(r) ?? 0) + revenue[i]!));
    const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1]);
    await page.fill('#top-n', '2');
    await runQuery();
    const top = await chartData();
    expect(top.datasets.map((d) => d.label)).toEqual([ranked[0]![0], ranked[1]![0], 'other (1)']);
    const other = top.datasets[2]!.data.reduce<number>((s, v) => s + (v ?? 0), 0);
    expect(other).toBeCloseTo(ranked[2]![1], 1);
    // Categories on the x axis: grouped bars.
    await page.selectOption('#x-dim', 'customer.country');
    await page.fill('#top-n', '8');
    await runQuery();
    const bars = await chartData();
    expect(bars.type).toBe('bar');
    expect(bars.datasets.length).toBe(new Set(await column('customer.region')).size);
    expect(page.url()).toContain('series=customer.region');
  });

  it('applies filters and a time range, shows the SQL with bound values, exports CSV and keeps the view in the URL', async () => {
    await connect('analyst');
    await page.selectOption('#metric', 'revenue');
    await expect.poll(() => options('#x-dim')).toContain('orders.ordered_at.month');
    await page.selectOption('#x-dim', 'orders.ordered_at.month');
    await page.selectOption('#series-dim', 'customer.country');
    await page.click('#add-filter');
    const row = page.locator('.filter-row').last();
    await row.locator('select.filter-dim').selectOption('customer.country');
    await row.locator('select.filter-op').selectOption('in');
    await row.locator('input.filter-value').fill("Germany, Fran'ce\", France");
    await page.fill('#from', '2024-02-01');
    await page.fill('#to', '2024-06-30');
    await runQuery();
    const countries = await column('customer.country');
    expect(countries.length).toBeGreaterThan(0);
    expect(new Set(countries)).toEqual(new Set(['Germany', 'France']));
    const months = await column('orders.ordered_at.month');
    for (const m of months) expect(m >= '2024-02-01' && m <= '2024-06-30', m).toBe(true);
    expect(await page.getAttribute('#chart', 'data-series')).toBe('2');
    // The SQL it ran: values are parameters, never SQL text.
    await expect.poll(() => page.locator('#sql').textContent()).toContain('-- parameters');
    const sqlText = (await page.locator('#sql').textContent())!;
    const [statement, parameters] = sqlText.split('-- parameters');
    expect(statement).toMatch(/select/i);
    expect(statement).not.toContain('Germany');
    expect(parameters).toContain('"Germany"');
    expect(parameters).toContain('"Fran\'ce\\""');
    await shot('explorer-filter');
    // CSV export: the rows of the table, the header first.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    expect(download.suggestedFilename()).toBe('revenue.csv');
    const csv = parseCsv(await readFile((await download.path())!, 'utf8'));
    const heads = await page.locator('#result-table thead th').allTextContents();
    expect(csv[0]).toEqual(heads);
    expect(csv.length - 1).toBe(countries.length);
    const ci = heads.indexOf('customer.country');
    expect(csv.slice(1).map((r) => r[ci]).sort()).toEqual([...countries].sort());
    const ri = heads.indexOf('revenue');
    const shown = (await column('revenue')).map(Number).reduce((a, b) => a + b, 0);
    expect(csv.slice(1).reduce((s, r) => s + Number(r[ri]), 0)).toBeCloseTo(shown, 1);
    // The hash holds the view: opening the link reproduces it.
    const url = page.url();
    expect(url).toContain('#/explorer?');
    const state = new URLSearchParams(url.split('?')[1]);
    expect(state.get('metric')).toBe('revenue');
    expect(state.get('x')).toBe('orders.ordered_at.month');
    expect(state.get('series')).toBe('customer.country');
    expect(state.getAll('filter')).toEqual(["customer.country:in:Germany,Fran'ce\",France"]);
    expect(state.get('from')).toBe('2024-02-01');
    expect(state.get('to')).toBe('2024-06-30');
    const fresh = await browser.newPage();
    try {
      await fresh.goto(url);
      await fresh.waitForSelector('.explorer[data-runs="1"]');
      const n = await fresh.locator('#result-table tbody tr').count();
      expect(n).toBe(countries.length);
      expect(await fresh.inputValue('.filter-row input.filter-value')).toBe("Germany,Fran'ce\",France");
      expect(await fresh.inputValue('#from')).toBe('2024-02-01');
    } finally {
      await fresh.close();
    }
  });

  it('drills down a hierarchy by clicking a bar and a row', async () => {
    await connect('analyst');
    await page.selectOption('#metric', 'revenue');
    await page.selectOption('#hierarchy', 'geography');
    await runQuery();
    const regions = await page.locator('#result-table tbody tr td:first-child').allTextContents();
    expect(regions.sort()).toEqual(['AMER', 'APAC', 'EMEA']);
    expect(await page.getAttribute('#chart', 'data-points')).toBe('3');
    const emea = (await page.locator('#result-table tbody tr td:first-child').allTextContents()).indexOf('EMEA');
    const point = await page.evaluate((i) => {
      const g = globalThis as unknown as PageGlobals;
      const el = g.window.__strataChart!.getDatasetMeta(0).data[i]!;
      const r = g.document.querySelector('#chart').getBoundingClientRect();
      return { x: r.left + el.x, y: r.top + (el.y + el.base) / 2 };
    }, emea);
    await page.mouse.click(point.x, point.y);
    await expect.poll(() => page.locator('#drill-path a').count()).toBe(2);
    expect((await column('customer.country')).sort()).toEqual(['France', 'Germany']);
    await page.locator('#result-table tbody tr', { hasText: 'Germany' }).click();
    await expect.poll(() => page.locator('#drill-path a').count()).toBe(3);
    expect((await column('customer.city')).sort()).toEqual(['Berlin', 'Munich']);
    await page.click('#drill-path a[data-depth="0"]');
    await expect.poll(() => page.locator('#drill-path a').count()).toBe(1);
  });

  it('says so when the server has no metric API (a project without a semantic layer)', async () => {
    const bare = await createDocsServer(join(dir, 'target', 'docs'));
    try {
      const at = await bare.app.listen({ port: 0, host: '127.0.0.1' });
      await page.goto(`${at}/#/explorer`);
      await expect.poll(() => page.locator('#status').textContent()).toContain('no semantic layer');
      expect(await page.getAttribute('#status', 'class')).toBe('warn');
      expect(await page.locator('#metric option').count()).toBe(0);
    } finally {
      await bare.close();
    }
  });
});
