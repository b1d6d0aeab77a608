// bench/docs: `strata docs generate` on a generated 10,000-model project (the shape the browser
// tests use: test/helpers/docs-scale-project.ts, bundled here with esbuild) and, when Debian's
// Chromium is installed, the site opened from disk: time to usable, search keystroke to results,
// lineage at depth 3, a model page. Whole processes are timed, as a user sees them. The indexed
// search is compared with the naive approach (scanning every node's text) in the same run.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ROOT, timeStrata, median, fmt } from './lib.js';

const CHROMIUM = process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium';
const WORK = join(ROOT, 'bench', '.work');

function docsEvent(stdout) {
  const line = stdout.split('\n').find((l) => l.includes('"docs_generated"'));
  return line ? JSON.parse(line) : {};
}

/** The test suite's project generator, compiled for Node. */
async function scaleProject(dir, n) {
  const out = join(WORK, 'docs-scale-project.mjs');
  await build({ entryPoints: [join(ROOT, 'test', 'helpers', 'docs-scale-project.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning' });
  const { docsScaleProjectFiles } = await import(pathToFileURL(out).href);
  rmSync(dir, { recursive: true, force: true });
  for (const [file, text] of Object.entries(docsScaleProjectFiles(n))) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
}

const dirBytes = (dir) => readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);

export async function benchDocs(n = 10000, runs = 3) {
  const dir = join(WORK, `docs-scale-${n}`);
  await scaleProject(dir, n);
  const args = ['docs', 'generate', '--project-dir', dir, '--log-format', 'json'];
  // Cold: no compile cache, no lineage cache (a fresh clone).
  const cold = timeStrata(args);
  const coldEvent = docsEvent(cold.stdout + cold.stderr);
  const warm = [];
  let warmEvent = {};
  for (let r = 0; r < runs; r++) {
    const t = timeStrata(args);
    warm.push(t.ms);
    warmEvent = docsEvent(t.stdout + t.stderr);
  }
  const compileOnly = [];
  for (let r = 0; r < runs; r++) compileOnly.push(timeStrata(['compile', '--project-dir', dir]).ms);
  const site = join(dir, 'target', 'docs');
  const result = {
    models: n,
    cold: cold.ms,
    coldLineageMs: coldEvent.lineage_ms,
    warm: median(warm),
    warmLineageMs: warmEvent.lineage_ms,
    writeMs: warmEvent.write_ms,
    dataBytes: dirBytes(join(site, 'data')),
    siteBytes: dirBytes(join(site, 'data')) + ['index.html', 'app.js', 'app.css'].reduce((s, f) => s + statSync(join(site, f)).size, 0),
    searchBytes: statSync(join(site, 'data', 'search.js')).size,
    indexBytes: statSync(join(site, 'data', 'index.js')).size,
    compileWarm: median(compileOnly),
    peakMb: cold.rssMb,
    node: await benchSearchInNode(site),
    browser: existsSync(CHROMIUM) ? await benchBrowser(join(site, 'index.html')) : null,
  };
  return result;
}

/** The prebuilt index against a scan of every node's text (what a site without an index does). */
async function benchSearchInNode(site) {
  const { searchDocs } = await import(pathToFileURL(join(ROOT, 'dist', 'docs', 'search-index.js')).href);
  const load = (file, key) => {
    let out;
    new Function('window', readFileSync(join(site, 'data', file), 'utf8'))({ [key]: (...a) => (out = a) });
    return out;
  };
  const [index] = load('index.js', '__strataDocsIndex');
  const [search] = load('search.js', '__strataDocsSearch');
  const texts = [];
  for (const f of readdirSync(join(site, 'data')).filter((x) => x.startsWith('nodes-'))) {
    const [k, details] = load(f, '__strataDocsShard');
    details.forEach((d, j) => (texts[k * index.shardSize + j] = JSON.stringify([d.name, d.description, d.columns, d.tags, d.owner, d.rawCode]).toLowerCase()));
  }
  const queries = ['customer_key', 'gold', 'finance-team', 'm_0999'];
  const time = (f) => {
    const xs = [];
    for (let r = 0; r < 20; r++) {
      const t = performance.now();
      f();
      xs.push(performance.now() - t);
    }
    return median(xs);
  };
  return queries.map((q) => ({
    q,
    indexed: time(() => searchDocs(search, index.names, q, 30)),
    naive: time(() => texts.filter((t) => t.includes(q)).slice(0, 30)),
    hits: searchDocs(search, index.names, q, 100000).length,
  }));
}

/** Opens the site from file:// in headless Chromium and measures what a user waits for. */
async function benchBrowser(indexHtml) {
  const { chromium } = await import('playwright-core');
  const ctx = await chromium.launchPersistentContext(mkdtempSync(join(os.tmpdir(), 'strata-bench-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await ctx.newPage();
    const usable = [];
    const searchReady = [];
    for (let r = 0; r < 3; r++) {
      await page.goto(`${pathToFileURL(indexHtml).href}?r=${r}`);
      await page.waitForSelector('body[data-ready="true"]');
      // Milliseconds since navigation start, measured by the page itself.
      usable.push(await page.evaluate(() => performance.now()));
      await page.waitForSelector('body[data-search="ready"]');
      searchReady.push(await page.evaluate(() => performance.now()));
    }
    // Keystroke to results: each prefix typed as its own input event; the page renders synchronously.
    const keystrokes = async (q) =>
      page.evaluate((q) => {
        const input = document.querySelector('#search');
        const ms = [];
        for (let k = 1; k <= q.length; k++) {
          const t = performance.now();
          input.value = q.slice(0, k);
          input.dispatchEvent(new Event('input'));
          void document.querySelector('#search-results').offsetHeight;
          ms.push(performance.now() - t);
        }
        return { max: Math.max(...ms), mean: ms.reduce((s, x) => s + x, 0) / ms.length, results: document.querySelectorAll('#search-results li a[data-id]').length, field: document.querySelector('#search-results li')?.getAttribute('data-field') };
      }, q);
    const search = { customer_key: await keystrokes('customer_key'), gold: await keystrokes('gold') };
    const lineage = [];
    let drawn = null;
    for (const focus of ['m_05000', 'm_00502', 'm_00010']) {
      const r = await page.evaluate(async (focus) => {
        const before = window.__strataLastLineage;
        const t = performance.now();
        location.hash = `#/lineage/model.scale.${focus}?up=3&down=3`;
        await new Promise((resolve) => {
          const check = () => (window.__strataLastLineage !== before && document.querySelector('svg#lineage-svg[data-fit="true"]') ? resolve() : requestAnimationFrame(check));
          check();
        });
        return { ms: performance.now() - t, ...window.__strataLastLineage };
      }, focus);
      lineage.push({ focus, ...r });
      drawn = r;
    }
    const pageOpen = await page.evaluate(async () => {
      const t = performance.now();
      location.hash = '#/node/model.scale.m_07777';
      await new Promise((resolve) => {
        const check = () => (document.querySelector('#page-title')?.textContent === 'm_07777' ? resolve() : requestAnimationFrame(check));
        check();
      });
      return performance.now() - t;
    });
    return { usable: median(usable), searchReady: median(searchReady), search, lineage, drawn, pageOpen };
  } finally {
    await ctx.close();
  }
}

export function formatDocs(r) {
  const b = r.browser;
  const mb = (x) => `${(x / 1e6).toFixed(1)} MB`;
  const lines = [
    `docs generate ${r.models} models: warm ${fmt(r.warm)} (compile + cached lineage ${r.warmLineageMs} ms + data and write ${r.writeMs} ms), cold ${fmt(r.cold)} (no compile or lineage cache; lineage ${r.coldLineageMs} ms), compile alone ${fmt(r.compileWarm)}, peak ${r.peakMb.toFixed(0)} MB`,
    `docs site size: data ${mb(r.dataBytes)} (index.js ${mb(r.indexBytes)}, search.js ${mb(r.searchBytes)}), whole site ${mb(r.siteBytes)}`,
    ...r.node.map((s) => `search "${s.q}" in Node: indexed ${s.indexed.toFixed(2)} ms vs naive scan of every node's text ${s.naive.toFixed(1)} ms (${s.hits} hits)`),
  ];
  if (!b) lines.push('docs site: no Chromium at /usr/bin/chromium, browser figures skipped');
  else {
    lines.push(`docs site in headless Chromium (file://): usable ${fmt(b.usable)}, full-text index loaded ${fmt(b.searchReady)}, model page ${b.pageOpen.toFixed(0)} ms`);
    for (const [q, s] of Object.entries(b.search)) lines.push(`search keystroke to results "${q}": max ${s.max.toFixed(1)} ms, mean ${s.mean.toFixed(1)} ms (${s.results} shown, first matched in ${s.field})`);
    for (const l of b.lineage) lines.push(`lineage depth 3 of ${l.focus}: ${l.ms.toFixed(0)} ms from the click to the fitted drawing (${l.nodes} nodes: ${l.drawn} drawn, the rest in ${l.groups} "+N more" groups)`);
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(formatDocs(await benchDocs(Number(process.argv[2] ?? 10000))));
}
