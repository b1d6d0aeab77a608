import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { isDocsRoute, registerDocsRoutes } from '../../../src/server/docs-routes.js';
import { writeTempProject } from '../../helpers/temp-project.js';

describe('docs routes of strata serve', () => {
  it('serves generated files, falls back to the bundled assets, and never leaves the directory', async () => {
    const root = await writeTempProject({ 'secret.txt': 'TOP-SECRET-42', 'docs/data/index.js': 'window.x = 1;\n', 'assets/index.html': '<html>bundled</html>' });
    await mkdir(join(root, 'docs'), { recursive: true });
    await writeFile(join(root, 'docs', 'index.html'), '<html>generated</html>');
    const app = Fastify();
    registerDocsRoutes(app, join(root, 'docs'), join(root, 'assets'));
    expect((await app.inject('/docs')).statusCode).toBe(302);
    const index = await app.inject('/docs/');
    expect(index.body).toBe('<html>generated</html>');
    expect(index.headers['content-type']).toContain('text/html');
    expect((await app.inject('/docs/data/index.js')).headers['content-type']).toContain('text/javascript');
    for (const evil of ['/docs/../secret.txt', '/docs/%2e%2e/secret.txt', '/docs/data/../../secret.txt', '/docs/..%2fsecret.txt']) {
      const r = await app.inject(evil);
      expect(r.statusCode, evil).toBe(404);
      expect(r.body).not.toContain('TOP-SECRET-42');
    }
    expect((await app.inject('/docs/missing.js')).statusCode).toBe(404);
    expect(isDocsRoute('/docs/*')).toBe(true);
    expect(isDocsRoute('/*')).toBe(false);
    expect(isDocsRoute('/*', true)).toBe(true);
    expect(isDocsRoute('/api/v1/meta', true)).toBe(false);
    expect(isDocsRoute(undefined, true)).toBe(false);
    await app.close();
  });
});
