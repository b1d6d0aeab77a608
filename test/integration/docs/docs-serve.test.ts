/**
 * `strata docs serve` (the built binary, a real PGlite project): the generated site at `/` and
 * `/docs/` without a token, the metric API beside it behind the same authentication as
 * `strata serve`, and the errors before it starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsServe as serveDocs, type Served } from '../../helpers/docs-serve.js';
import { runStrataSync } from '../../helpers/strata-cli.js';
import { writeTempProject } from '../../helpers/temp-project.js';
import { docsProjectFiles } from './docs-project.js';

const SECRET = 'docs-serve-test-secret-of-at-least-32-characters';
const ENV = { STRATA_API_SECRET: SECRET, STRATA_DATABASE_URL: '', STRATA_REDIS_URL: '', NO_COLOR: '1' };
const docsServe = (dir: string, flags: readonly string[], env: NodeJS.ProcessEnv = ENV) => serveDocs(dir, flags, env);

async function get(url: string, token?: string): Promise<{ status: number; type: string; body: string }> {
  const r = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
}

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

describe('strata docs serve', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await writeTempProject(docsProjectFiles());
    expect(runStrataSync(['build', '--project-dir', dir], ENV).code).toBe(0);
  }, 120_000);

  it('refuses to start before the docs were generated (exit 2, says how)', () => {
    const r = runStrataSync(['docs', 'serve', '--project-dir', dir, '--dev'], ENV);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/docs site has not been generated/);
    expect(r.stdout + r.stderr).toContain('strata docs generate');
  });

  describe('with generated docs', () => {
    let served: Served;
    let token: string;

    beforeAll(async () => {
      const g = runStrataSync(['docs', 'generate', '--project-dir', dir], ENV);
      expect(g.code, g.stdout + g.stderr).toBe(0);
      expect(g.stdout + g.stderr).toContain('strata docs serve');
      const t = runStrataSync(['token', '--role', 'analyst', '--ttl', '10m'], ENV);
      expect(t.code, t.stderr).toBe(0);
      token = t.stdout.trim();
      served = await docsServe(dir, []);
    }, 120_000);
    afterAll(async () => {
      await served?.stop();
    });

    it('serves the site at / and /docs/ without a token', async () => {
      const index = await get(`${served.base}/`);
      expect(index.status).toBe(200);
      expect(index.type).toContain('text/html');
      expect(index.body).toContain('<script src="app.js">');
      const data = await get(`${served.base}/data/index.js`);
      expect(data.status).toBe(200);
      expect(data.type).toContain('javascript');
      expect(data.body).toContain('__strataDocsIndex');
      expect((await get(`${served.base}/app.js`)).status).toBe(200);
      expect((await get(`${served.base}/docs/`)).body).toContain('<script src="app.js">');
      expect((await get(`${served.base}/docs/data/index.js`)).status).toBe(200);
      // Nothing outside the docs directory.
      expect((await get(`${served.base}/..%2f..%2fstrata_project.yml`)).status).toBe(404);
      expect((await get(`${served.base}/nope.js`)).status).toBe(404);
      expect(served.output()).toContain('strata token --role');
    });

    it('serves the metric API behind tokens: none → 401, a minted token → its answers', async () => {
      const anonymous = await get(`${served.base}/api/v1/meta`);
      expect(anonymous.status).toBe(401);
      expect((await get(`${served.base}/api/v1/meta`, 'not-a-token')).status).toBe(401);
      // The router decodes %61 to "a": an encoded API path is the API, never a public docs path.
      for (const p of ['/%61pi/v1/meta', '/api/v1/%6deta', '/api%2Fv1%2Fmeta']) {
        const r = await get(`${served.base}${p}`);
        expect([401, 404], `${p} → ${r.status} ${r.body.slice(0, 200)}`).toContain(r.status);
        expect(r.body).not.toContain('"metrics"');
      }
      const meta = await get(`${served.base}/api/v1/meta`, token);
      expect(meta.status).toBe(200);
      expect((JSON.parse(meta.body) as { metrics: { name: string }[] }).metrics.map((m) => m.name)).toContain('revenue');
      const q = await post(`${served.base}/api/v1/query`, { metrics: ['revenue'], dimensions: ['customer.region'] }, token);
      expect(q.status).toBe(200);
      expect((q.json['rows'] as unknown[]).length).toBe(3);
      // Bad input is a 4xx, not a 5xx.
      expect((await post(`${served.base}/api/v1/query`, { metrics: ['nope'] }, token)).status).toBe(400);
      expect((await post(`${served.base}/api/v1/query`, { metrics: ['revenue'], filters: [{ member: 'customer.region', op: 'drop', values: [] }] }, token)).status).toBe(400);
      // An unknown API route stays an API answer (401 without a token, 404 with one), never the site.
      expect((await get(`${served.base}/api/v1/nope`)).status).toBe(401);
      const unknown = await get(`${served.base}/api/v1/nope`, token);
      expect(unknown.status).toBe(404);
      expect(unknown.type).toContain('application/json');
      expect((await get(`${served.base}/health`)).status).toBe(200);
    });

    it('--dev serves anonymous API requests on loopback', async () => {
      // One server holds the PGlite data directory at a time.
      await served.stop();
      const dev = await docsServe(dir, ['--dev']);
      try {
        const meta = await get(`${dev.base}/api/v1/meta`);
        expect(meta.status).toBe(200);
        expect(meta.body).toContain('revenue');
        expect(dev.output()).toContain('DEVELOPMENT MODE');
      } finally {
        await dev.stop();
      }
    });

    it('refuses --dev on a non-loopback address and no token verification at all (exit 2)', () => {
      const open = runStrataSync(['docs', 'serve', '--project-dir', dir, '--dev', '--host', '0.0.0.0', '--port', '0'], ENV);
      expect(open.code).toBe(2);
      expect(open.stdout + open.stderr).toContain('only binds to loopback');
      const unsecured = runStrataSync(['docs', 'serve', '--project-dir', dir, '--port', '0'], { ...ENV, STRATA_API_SECRET: '' });
      expect(unsecured.code).toBe(2);
      expect(unsecured.stdout + unsecured.stderr).toContain('no token verification configured');
    });
  });

  it('without a semantic layer serves the site and says the API is missing', async () => {
    const plain = await writeTempProject({
      'strata_project.yml': 'name: plain\nprofile: plain\n',
      'models/one.sql': 'select 1 as id\n',
    });
    const g = runStrataSync(['docs', 'generate', '--project-dir', plain], ENV);
    expect(g.code, g.stdout + g.stderr).toBe(0);
    const s = await docsServe(plain, ['--dev']);
    try {
      expect((await get(`${s.base}/`)).status).toBe(200);
      expect((await get(`${s.base}/data/index.js`)).body).toContain('__strataDocsIndex');
      const meta = await get(`${s.base}/api/v1/meta`);
      expect(meta.status).toBe(404);
      expect((JSON.parse(meta.body) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'no_semantic_layer' });
    } finally {
      await s.stop();
    }
    const open = runStrataSync(['docs', 'serve', '--project-dir', plain, '--dev', '--host', '0.0.0.0'], ENV);
    expect(open.code).toBe(2);
  }, 120_000);
});
