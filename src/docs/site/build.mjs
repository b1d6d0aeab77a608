// Bundles the docs site (src/docs/site) into dist/docs-site/{index.html, app.js, app.css}:
// one script and one stylesheet, so the generated site opens from file:// with no server.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', '..', 'dist', 'docs-site');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'main.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome110', 'firefox110', 'safari16'],
  outfile: join(out, 'app.js'),
  legalComments: 'none',
  logLevel: 'warning',
});
await build({ entryPoints: [join(here, 'styles.css')], bundle: true, minify: true, outfile: join(out, 'app.css'), logLevel: 'warning' });
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
