import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { siteAssetsDir } from '../docs/write-site.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Paths that are the API (token needed), never static docs files, even with the site at `/`. */
export function isApiPath(path: string): boolean {
  return path === '/health' || path === '/api' || path.startsWith('/api/') || path === '/cubejs-api' || path.startsWith('/cubejs-api/');
}

/** The route patterns of the docs site (`/docs/*`, and `/`, `/*` with the site at the root). */
const DOCS_ROUTES = new Set(['/docs', '/docs/*']);
const ROOT_ROUTES = new Set(['/', '/*']);

/**
 * Is the matched route (fastify's `routeOptions.url`, undefined when none matched) a docs route?
 * Those are static files and need no token. Decided on the route that will answer, not on the
 * raw URL, so `/%61pi/v1/meta` (routed to `/api/v1/meta`) is never public.
 *
 * @example isDocsRoute('/docs/*') // true; isDocsRoute('/api/v1/meta', true) // false
 */
export function isDocsRoute(route: string | undefined, atRoot = false): boolean {
  return route !== undefined && (DOCS_ROUTES.has(route) || (atRoot && ROOT_ROUTES.has(route)));
}

/**
 * Serves the docs site at `/docs/` (and at `/` with `atRoot`): files of `dir` (what `strata docs
 * generate` wrote), falling back to the bundled site assets, so the metric explorer works before
 * docs were generated. Paths are normalised and must stay inside the directory.
 *
 * @example registerDocsRoutes(app, '/project/target/docs') // GET /docs/ → index.html
 * @example registerDocsRoutes(app, dir, siteAssetsDir(), true) // GET / and GET /data/index.js too
 */
export function registerDocsRoutes(app: FastifyInstance, dir: string, assetsDir: string = siteAssetsDir(), atRoot = false): void {
  const send = async (raw: string, reply: FastifyReply): Promise<FastifyReply> => {
    let rel: string;
    try {
      rel = normalize(decodeURIComponent(raw || 'index.html'));
    } catch {
      return notFound(reply, 'no such file');
    }
    if (rel.startsWith('..') || rel.startsWith(sep) || rel.includes('\0')) return notFound(reply, 'no such file');
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
    return notFound(reply, `no docs file ${rel} (run strata docs generate)`);
  };
  app.get('/docs', async (_req, reply) => reply.redirect('/docs/'));
  app.get('/docs/*', async (req, reply) => send((req.params as { '*': string })['*'], reply));
  if (!atRoot) return;
  app.get('/', async (_req, reply) => send('index.html', reply));
  app.get('/*', async (req, reply) => {
    const path = req.url.split('?', 1)[0]!;
    // Unknown API routes stay API 404s (the error shape clients expect), not missing files.
    if (isApiPath(path)) return reply.code(404).type('application/json').send({ error: { code: 'not_found', message: `no route GET ${path}`, request_id: req.id } });
    return send((req.params as { '*': string })['*'], reply);
  });
}

function notFound(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(404).type('application/json').send({ error: { code: 'not_found', message } });
}
