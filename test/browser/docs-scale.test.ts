import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAINS, docsScaleProjectFiles, modelFolder, modelName, scaleParents } from '../helpers/docs-scale-project.js';
import { docsServe, type Served } from '../helpers/docs-serve.js';
import { strata } from '../helpers/strata-cli.js';
import { writeTempProject } from '../helpers/temp-project.js';
import { ARTIFACTS, haveChromium, launchChromium, newPage } from './browser.js';

const run = haveChromium || process.env['CI'] === 'true';
const N = 10_000;

/** Minimal page-side types (the Node tsconfig has no DOM lib). */
interface Box {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}
interface El {
  getBoundingClientRect(): Box;
  getAttribute(name: string): string | null;
}

/**
 * The lineage neighbourhood of model `focus` computed from the generator (not from the site):
 * models through scaleParents, the package model a root model reads, the exposure after the last
 * model. unique_id → level.
 */
function expectedNeighbourhood(focus: number, up: number, down: number): Map<string, number> {
  const parents = scaleParents(N);
  const children: number[][] = parents.map(() => []);
  parents.forEach((ps, i) => ps.forEach((p) => children[p]!.push(i)));
  const id = (i: number): string => `model.scale.${modelName(i)}`;
  const out = new Map<string, number>([[id(focus), 0]]);
  let frontier = [focus];
  for (let d = 1; d <= up; d++) {
    const next: number[] = [];
    for (const i of frontier) {
      if (i < 5 && !out.has(`model.shared_utils.u_0${i}`)) out.set(`model.shared_utils.u_0${i}`, -d);
      for (const p of parents[i]!) if (!out.has(id(p))) (out.set(id(p), -d), next.push(p));
    }
    frontier = next;
  }
  frontier = [focus];
  for (let d = 1; d <= down; d++) {
    const next: number[] = [];
    for (const i of frontier) {
      if (i === N - 1) out.set('exposure.scale.board_dashboard', d);
      for (const c of children[i]!) if (!out.has(id(c))) (out.set(id(c), d), next.push(c));
    }
    frontier = next;
  }
  return out;
}

describe.runIf(run)('docs site at 10,000 models in Chromium', () => {
  let dir: string;
  let browser: BrowserContext;
  let page: Page;
  let url = '';
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const open = async (hash: string): Promise<void> => {
    await page.goto(`${url}${hash}`);
    await page.waitForSelector('body[data-ready="true"]');
  };

  beforeAll(async () => {
    dir = await writeTempProject(docsScaleProjectFiles(N));
    const r = await strata(['docs', 'generate', '--project-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    url = pathToFileURL(join(dir, 'target', 'docs', 'index.html')).href;
    browser = await launchChromium();
    page = await newPage(browser);
  }, 240_000);
  let served: Served | undefined;
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('opens on a landing page with the overview, counts and recently changed nodes', async () => {
    await open('');
    await expect(page.locator('.landing').textContent()).resolves.toContain('A generated project of many models for the docs site.');
    await expect(page.locator('#counts').textContent()).resolves.toContain('10,021');
    await expect(page.locator('#recent li').count()).resolves.toBeGreaterThan(5);
    await shot('scale-landing');
  });

  it('navigates the project tree with the mouse and the keyboard to a model page', async () => {
    await open('');
    await page.click('#tab-project');
    const row = (key: string) => page.locator(`#tree .tree-row[data-key="${key}"]`);
    await expect(row('project/scale').locator('.count').textContent()).resolves.toBe('10,006');
    // Two packages: the project and the installed shared_utils, both collapsed at first.
    await expect(row('project/shared_utils').locator('.count').textContent()).resolves.toBe('20');
    await row('project/scale').click();
    await row('project/scale/models').click();
    await row('project/scale/models/finance').click();
    await expect(row('project/scale/models/finance').locator('.count').textContent()).resolves.toBe('2,500');
    // Keyboard: focus the finance folder, → opens its first child (layer_000), → expands it, ↓ walks the models, Enter opens one.
    await row('project/scale/models/finance').focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: El } }).document.activeElement.getAttribute('data-key'))).toBe(`project/scale/models/${modelFolder(0)}`);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.locator('#page-title', { hasText: new RegExp(`^${modelName(2)}$`) }).waitFor();
    await expect(row(`node/model.scale.${modelName(2)}`).getAttribute('class')).resolves.toContain('current');
    // The database tree: database → schema → relation, counting relations.
    await page.click('#tab-database');
    await expect(page.locator('#tree > li > .tree-row').first().locator('.count').textContent()).resolves.toMatch(/^10,0\d\d$/);
    // Opening a deep model by URL reveals it in the project tree.
    await page.click('#tab-project');
    await open(`#/node/model.scale.${modelName(7345)}`);
    await row(`node/model.scale.${modelName(7345)}`).waitFor();
    await expect(row(`project/scale/models/${modelFolder(7345)}`).locator('xpath=..').getAttribute('aria-expanded')).resolves.toBe('true');
    await shot('scale-tree');
  });

  it('finds models by a column name and by a word of their description', async () => {
    await open('');
    await page.waitForSelector('body[data-search="ready"]');
    await page.fill('#search', 'customer_key');
    await page.waitForSelector('#search-results li');
    const first = page.locator('#search-results li').first();
    await expect(first.getAttribute('data-field')).resolves.toBe('column');
    await expect(first.locator('.match').textContent()).resolves.toBe('column: customer_key');
    const names = await page.locator('#search-results li a[data-id]').allTextContents();
    expect(names.length).toBeGreaterThan(10);
    for (const n of names) expect(Number(n.slice(2)) % 7, n).toBe(0);
    const timing = await page.evaluate(() => (globalThis as unknown as { window: { __strataLastSearch: { ms: number; fullText: boolean } } }).window.__strataLastSearch);
    expect(timing.fullText).toBe(true);
    await shot('scale-search-column');
    await first.locator('a').click();
    await expect(page.locator('#columns').textContent()).resolves.toContain('customer_key');
    // A description word: every 50th model says "gold-tier"; the search page lists them all.
    await open('#/search?q=gold');
    await page.waitForSelector('#search-page li');
    const gold = await page.locator('#search-page li a[data-id]').allTextContents();
    expect(gold.length).toBe(N / 50);
    for (const n of gold) expect(Number(n.slice(2)) % 50, n).toBe(0);
    await expect(page.locator('#search-page li').first().getAttribute('data-field')).resolves.toBe('description');
    // A tag and an owner are found too (field "description": text about the node).
    await open(`#/search?q=${DOMAINS[1]}-team`);
    await expect(page.locator('#search-page li').count()).resolves.toBeGreaterThan(100);
    await shot('scale-search-description');
  });

  it('shows every node of a depth-3 lineage, each inside the window after fit, wide levels as "+N more" groups', async () => {
    // A model with a wide level (more than the 15 drawn per level) at depth 3, so groups appear.
    const widest = (m: Map<string, number>): number => Math.max(...[...m.values()].map((l) => [...m.values()].filter((x) => x === l).length));
    const focus = Array.from({ length: 2000 }, (_, k) => 500 + k).find((i) => widest(expectedNeighbourhood(i, 3, 3)) > 40)!;
    const expected = expectedNeighbourhood(focus, 3, 3);
    await open(`#/lineage/model.scale.${modelName(focus)}?up=3&down=3`);
    await page.waitForSelector('svg#lineage-svg[data-fit="true"]');
    const count = async (): Promise<{ drawn: string[]; hidden: number; outside: string[] }> =>
      page.evaluate(() => {
        const d = (globalThis as unknown as { document: { querySelector(s: string): El; querySelectorAll(s: string): El[] } }).document;
        const w = (globalThis as unknown as { window: { innerWidth: number; innerHeight: number } }).window;
        const frame = d.querySelector('svg#lineage-svg').getBoundingClientRect();
        const nodes = [...d.querySelectorAll('svg#lineage-svg .node')];
        const outside = nodes
          .filter((n) => {
            const b = n.getBoundingClientRect();
            return b.left < frame.left || b.right > frame.right || b.top < frame.top || b.bottom > frame.bottom || b.left < 0 || b.top < 0 || b.right > w.innerWidth || b.bottom > w.innerHeight;
          })
          .map((n) => n.getAttribute('data-id') ?? 'group');
        return {
          drawn: nodes.map((n) => n.getAttribute('data-id')).filter((x): x is string => x !== null),
          hidden: nodes.reduce((s, n) => s + Number(n.getAttribute('data-hidden') ?? 0), 0),
          outside,
        };
      });
    const before = await count();
    expect(before.outside).toEqual([]);
    for (const id of before.drawn) expect(expected.has(id), id).toBe(true);
    expect(new Set(before.drawn).size).toBe(before.drawn.length);
    expect(before.drawn.length + before.hidden).toBe(expected.size);
    await expect(page.getAttribute('#lineage-stats', 'data-nodes')).resolves.toBe(String(expected.size));
    await expect(page.locator('svg#lineage-svg marker#arrow').count()).resolves.toBe(1);
    expect(await page.locator('svg#lineage-svg .edge-line[marker-end="url(#arrow)"]').count()).toBeGreaterThan(before.drawn.length / 2);
    await shot('scale-lineage-depth3');
    expect(before.hidden).toBeGreaterThan(0);
    {
      // Expanding the widest group draws more nodes; still every node accounted for and inside after fit.
      await page.locator('svg#lineage-svg .node.group').first().click();
      await page.waitForFunction((n) => (globalThis as unknown as { document: { querySelectorAll(s: string): unknown[] } }).document.querySelectorAll('svg#lineage-svg .node[data-id]').length > n, before.drawn.length);
      await page.waitForSelector('svg#lineage-svg[data-fit="true"]');
      const after = await count();
      expect(after.drawn.length + after.hidden).toBe(expected.size);
      expect(after.outside).toEqual([]);
      expect(page.url()).toContain('show=');
      await shot('scale-lineage-expanded');
    }
    // Zoom in then fit again.
    await page.click('#zoom-in');
    await expect(page.getAttribute('svg#lineage-svg', 'data-fit')).resolves.toBe('false');
    await page.click('#fit');
    await expect(page.getAttribute('svg#lineage-svg', 'data-fit')).resolves.toBe('true');
    // The keyboard: + zooms in, 0 fits again; dragging pans.
    const viewBox = (): Promise<string | null> => page.getAttribute('svg#lineage-svg', 'viewBox');
    const fitted = await viewBox();
    await page.locator('#graph-wrap').press('+');
    await expect.poll(viewBox).not.toBe(fitted);
    await page.locator('#graph-wrap').press('0');
    await expect.poll(viewBox).toBe(fitted);
    const frame = (await page.locator('svg#lineage-svg').boundingBox())!;
    await page.mouse.move(frame.x + 5, frame.y + 5);
    await page.mouse.down();
    await page.mouse.move(frame.x + 105, frame.y + 65, { steps: 5 });
    await page.mouse.up();
    await expect(page.getAttribute('svg#lineage-svg', 'data-fit')).resolves.toBe('false');
    expect(await viewBox()).not.toBe(fitted);
  });

  it('follows one column upstream and downstream', async () => {
    await open(`#/node/model.scale.${modelName(26)}`);
    await page.locator('#columns a.col-name', { hasText: /^id$/ }).click();
    await page.waitForSelector('.lineage-page[data-column="id"] svg#lineage-svg[data-fit="true"]');
    const cols = await page.locator('svg#lineage-svg .node[data-column]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-id')}.${e.getAttribute('data-column')}`));
    expect(cols).toContain(`model.scale.${modelName(26)}.id`);
    // Upstream: the first parent's id column; downstream: children reading id.
    const p0 = scaleParents(N)[26]![0]!;
    expect(cols).toContain(`model.scale.${modelName(p0)}.id`);
    const child = scaleParents(N).findIndex((ps) => ps[0] === 26);
    expect(cols).toContain(`model.scale.${modelName(child)}.id`);
    await shot('scale-column-lineage');
  });

  it('plots revenue by month with one series per segment and a region filter, served by strata docs serve', async () => {
    const built = await strata(['build', '--project-dir', dir, '--select', '+fct_sales']);
    expect(built.code, built.stderr).toBe(0);
    served = await docsServe(dir, ['--dev'], { STRATA_DATABASE_URL: '', STRATA_REDIS_URL: '', NO_COLOR: '1' });
    await page.goto(`${served.base}/#/explorer?metric=revenue&x=sales.sold_at.month&series=sales.segment&filter=sales.region:in:EMEA`);
    await page.waitForSelector('.explorer[data-runs="1"]', { timeout: 30_000 });
    // The pickers offer the sales model's dimensions only (10,000 models have none).
    const x = await page.locator('#x-dim option').evaluateAll((els) => els.map((e) => e.getAttribute('value')));
    expect(x.filter(Boolean).sort()).toEqual(['sales.region', 'sales.segment', 'sales.sold_at.day', 'sales.sold_at.month', 'sales.sold_at.year']);
    const heads = await page.locator('#result-table thead th').allTextContents();
    const col = async (name: string): Promise<string[]> => page.locator(`#result-table tbody tr td:nth-child(${heads.indexOf(name) + 1})`).allTextContents();
    const segments = await col('sales.segment');
    const chart = await page.evaluate(() => {
      const c = (globalThis as unknown as { window: { __strataChart: { config: { type: string }; data: { datasets: { label: string }[] } } } }).window.__strataChart;
      return { type: c.config.type, labels: c.data.datasets.map((d) => d.label) };
    });
    expect(chart.type).toBe('line');
    expect(chart.labels.sort()).toEqual([...new Set(segments)].sort());
    expect(chart.labels.length).toBe(5);
    // The numbers match the seed: EMEA sales (every third row) by month and segment.
    const csv = docsScaleProjectFiles(N)['seeds/raw_sales.csv']!.trim().split('\n').slice(1).map((l) => l.split(','));
    const emea = csv.filter((r) => r[3] === 'EMEA');
    const total = emea.reduce((s, r) => s + Number(r[4]), 0);
    const shown = (await col('revenue')).map(Number).reduce((a, b) => a + b, 0);
    expect(shown).toBeCloseTo(total, 0);
    expect(segments.length).toBe(new Set(emea.map((r) => `${r[1]!.slice(0, 7)}|${r[2]}`)).size);
    await shot('scale-explorer-month-segment-emea');
  }, 180_000);
});
