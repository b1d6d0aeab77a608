// bench/docs: `strata docs generate` on the generated 10,000-model project (bench/compile.js's
// generator) and, when Debian's Chromium is installed, how fast the site is interactive when
// opened from disk in headless Chromium (issue 9). Whole processes are timed, as a user sees them.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateProject } from './compile.js';
import { ROOT, timeStrata, median, fmt } from './lib.js';

const CHROMIUM = process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium';

function docsEvent(stdout) {
  const line = stdout.split('\n').find((l) => l.includes('"docs_generated"'));
  return line ? JSON.parse(line) : {};
}

export async function benchDocs(n = 10000, runs = 3) {
  const dir = join(ROOT, 'bench', '.work', `docs-${n}`);
  generateProject(dir, n);
  // Compile once so the timed runs see a warm compile cache (as after any compile or build).
  timeStrata(['compile', '--project-dir', dir]);
  const args = ['docs', 'generate', '--project-dir', dir, '--log-format', 'json'];
  rmSync(join(dir, 'target', 'strata_lineage_cache.json'), { force: true });
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
  const result = {
    models: n,
    coldLineage: cold.ms,
    coldLineageMs: coldEvent.lineage_ms,
    warm: median(warm),
    warmLineageMs: warmEvent.lineage_ms,
    writeMs: warmEvent.write_ms,
    bytes: warmEvent.bytes,
    compileWarm: median(compileOnly),
    peakMb: cold.rssMb,
    browser: existsSync(CHROMIUM) ? await benchBrowser(join(dir, 'target', 'docs', 'index.html')) : null,
  };
  return result;
}

/** Opens the site from file:// in headless Chromium: time to interactive, search, lineage. */
async function benchBrowser(indexHtml) {
  const { chromium } = await import('playwright-core');
  const ctx = await chromium.launchPersistentContext(mkdtempSync(join(os.tmpdir(), 'strata-bench-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await ctx.newPage();
    const interactive = [];
    for (let r = 0; r < 3; r++) {
      await page.goto(`${pathToFileURL(indexHtml).href}?r=${r}`);
      await page.waitForSelector('body[data-ready="true"]');
      // Milliseconds since navigation start, measured by the page itself.
      interactive.push(await page.evaluate(() => performance.now()));
    }
    const search = await page.evaluate(async () => {
      const input = document.querySelector('#search');
      const t = performance.now();
      input.value = 'm_099';
      input.dispatchEvent(new Event('input'));
      return { ms: performance.now() - t, results: document.querySelectorAll('#search-results li').length };
    });
    const lineage = await page.evaluate(async () => {
      const t = performance.now();
      location.hash = '#/lineage/model.bench.m_05000?up=3&down=3';
      await new Promise((resolve) => {
        const check = () => (document.querySelector('.lineage-page[data-focus="model.bench.m_05000"]') ? resolve() : requestAnimationFrame(check));
        check();
      });
      return { ms: performance.now() - t, nodes: document.querySelectorAll('svg .node').length };
    });
    const pageOpen = await page.evaluate(async () => {
      const t = performance.now();
      location.hash = '#/node/model.bench.m_07777';
      await new Promise((resolve) => {
        const check = () => (document.querySelector('#page-title')?.textContent === 'm_07777' ? resolve() : requestAnimationFrame(check));
        check();
      });
      return performance.now() - t;
    });
    return { interactive: median(interactive), search, lineage, pageOpen };
  } finally {
    await ctx.close();
  }
}

export function formatDocs(r) {
  const b = r.browser;
  return (
    `docs generate ${r.models} models: ${fmt(r.warm)} with warm compile + lineage caches (lineage ${r.warmLineageMs} ms, write ${r.writeMs} ms, ` +
    `${(r.bytes / 1e6).toFixed(1)} MB data), ${fmt(r.coldLineage)} with no lineage cache (lineage ${r.coldLineageMs} ms), compile alone ${fmt(r.compileWarm)}, peak ${r.peakMb.toFixed(0)} MB` +
    (b
      ? `\ndocs site ${r.models} models in headless Chromium (file://): interactive ${fmt(b.interactive)}, search ${b.search.ms.toFixed(1)} ms (${b.search.results} results), ` +
        `lineage depth 3 ${b.lineage.ms.toFixed(0)} ms (${b.lineage.nodes} nodes), model page ${b.pageOpen.toFixed(0)} ms`
      : '\ndocs site: no Chromium at /usr/bin/chromium, browser figures skipped')
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(formatDocs(await benchDocs(Number(process.argv[2] ?? 10000))));
}
