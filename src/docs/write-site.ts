import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATA_GLOBAL, type DocsData } from './docs-data.js';

/**
 * Where `npm run build` puts the bundled site (index.html, app.js, app.css): `dist/docs-site/`
 * next to the compiled `dist/docs/` (and next to `src/docs/` when running from source).
 */
export function siteAssetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, '..', '..', 'dist', 'docs-site');
}

/**
 * A JS statement that hands `value` to the page. JSON inside a string literal parses faster than
 * the same data as a JS object literal; `</` is escaped so the data can never close a script tag.
 */
export function dataScript(callee: string, value: unknown, leadingArgs: readonly (string | number)[] = []): string {
  const json = JSON.stringify(JSON.stringify(value)).replace(/<\//g, '<\\/');
  return `${callee}(${leadingArgs.map((a) => `${JSON.stringify(a)}, `).join('')}JSON.parse(${json}));\n`;
}

/**
 * Writes the site: the static assets, `data/index.js` (the graph index), `data/search.js` (the
 * full-text index, loaded once the site is usable) and
 * `data/nodes-<k>.js` (details, `shardSize` nodes a file, loaded when a page needs them).
 * The folder opens from disk (file://): data arrives as scripts, not fetch().
 *
 * @example writeSite('target/docs', data) // { files: 23, bytes: 1840213 }
 */
export function writeSite(outDir: string, data: DocsData, assetsDir = siteAssetsDir()): { files: number; bytes: number } {
  if (!existsSync(join(assetsDir, 'index.html'))) {
    throw new Error(`the docs site is not built (${assetsDir}/index.html missing): run npm run build`);
  }
  rmSync(join(outDir, 'data'), { recursive: true, force: true });
  mkdirSync(join(outDir, 'data'), { recursive: true });
  let files = 0;
  let bytes = 0;
  for (const f of readdirSync(assetsDir)) {
    copyFileSync(join(assetsDir, f), join(outDir, f));
    files++;
  }
  const write = (rel: string, text: string): void => {
    writeFileSync(join(outDir, rel), text);
    files++;
    bytes += Buffer.byteLength(text);
  };
  write('data/index.js', dataScript(`window.${DATA_GLOBAL}Index`, data.index));
  write('data/search.js', dataScript(`window.${DATA_GLOBAL}Search`, data.search));
  const size = data.index.shardSize;
  for (let k = 0; k * size < data.details.length; k++) {
    write(`data/nodes-${k}.js`, dataScript(`window.${DATA_GLOBAL}Shard`, data.details.slice(k * size, (k + 1) * size), [k]));
  }
  return { files, bytes };
}
