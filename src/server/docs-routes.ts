import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { siteAssetsDir } from '../docs/write-site.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Is `path` (under `/docs/`) public? The docs are static files and need no token. */
export function isDocsPath(path: string): boolean {
  return path === '/docs' || path.startsWith('/docs/');
}

/**
 * Serves the docs site at `/docs/`: files of `dir` (what `strata docs generate` wrote), falling
 * back to the bundled site assets, so the metric explorer works before docs were generated.
 * Paths are normalised and must stay inside the directory.
 *
 * @example registerDocsRoutes(app, '/project/target/docs') // GET /docs/ → index.html
 */
export function registerDocsRoutes(app: FastifyInstance, dir: string, assetsDir: string = siteAssetsDir()): void {
  app.get('/docs', async (_req, reply) => reply.redirect('/docs/'));
  app.get('/docs/*', async (req, reply) => {
    const rel = normalize(decodeURIComponent((req.params as { '*': string })['*'] || 'index.html'));
    if (rel.startsWith('..') || rel.startsWith(sep)) return reply.code(404).type('application/json').send({ error: { code: 'not_found', message: 'no such file' } });
    for (const base of [dir, assetsDir]) {
      const file = join(base, rel);
      if (!file.startsWith(base + sep) || !existsSync(file)) continue;
      const body = await readFile(file).catch(() => undefined);
      if (!body) continue;
      return reply
        .type(TYPES[extname(file)] ?? 'application/octet-stream')
        .header('cache-control', 'no-cache')
        .send(body);
    }
    return reply.code(404).type('application/json').send({ error: { code: 'not_found', message: `no docs file ${rel} (run strata docs generate)` } });
  });
}
