import { request as httpRequest, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { loadSemanticLayer, type SemanticLayer } from '../../../src/semantic/index.js';
import { createServer, type StrataServer } from '../../../src/server/index.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';
import { SECRET, setUpWarehouse, startServer, tearDownWarehouse, token, uniqueSchema } from './fixture.js';

interface HttpResult {
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

function call(port: number, agent: Agent, method: 'GET' | 'POST', path: string, auth: string, body?: unknown): Promise<HttpResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, agent, headers: { authorization: `Bearer ${auth}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A model whose every query sleeps, to hold database slots. */
const slowLayer = (seconds: number): SemanticLayer =>
  loadSemanticLayer(
    [{ file: 'slow.yml', text: `semantic_models:\n  - name: slow\n    sql: "select 1 as x from pg_sleep(${seconds})"\n    dimensions: [{ name: x, type: number }]\n    measures: [{ name: n, agg: count }]\nmetrics:\n  - { name: n, type: simple, measure: slow.n }\n` }],
    { resolveRef: () => undefined, refNames: [] },
  ).layer!;

for (const db of testDatabases()) {
  describe(`metric API under load on ${db.name}`, () => {
    const s = uniqueSchema('load');
    let adapter: WarehouseAdapter;
    let server: StrataServer;
    let port: number;
    const agent = new Agent({ keepAlive: true, maxSockets: 200 });

    beforeAll(async () => {
      adapter = await adapterFor(db);
      const layer = await setUpWarehouse(adapter, s);
      server = await startServer(layer, adapter, s);
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      port = (server.app.server.address() as AddressInfo).port;
    }, 60_000);
    afterAll(async () => {
      agent.destroy();
      await server?.close();
      await tearDownWarehouse(adapter, s);
      await adapter.close();
    });

    it('serves 200 concurrent connections without errors', async () => {
      const auth = await token('sales', { region: 'EMEA' });
      const queries = ['customer.region', 'product.category', 'sales.channel', 'sales.sold_at.month', 'sales.sold_at.year'].map((d) => ({ metrics: ['revenue', 'units'], dimensions: [d] }));
      for (const q of queries) expect((await call(port, agent, 'POST', '/api/v1/query', auth, q)).status).toBe(200); // warm the cache
      const results = await Promise.all(
        Array.from({ length: 200 }, (_x, i) => (i % 10 === 9 ? call(port, agent, 'GET', '/api/v1/meta', auth) : call(port, agent, 'POST', '/api/v1/query', auth, queries[i % queries.length]))),
      );
      expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
      expect(results.filter((r) => r.body.includes('"cache":"hit"')).length).toBe(180);
    }, 60_000);
  });
}

const pg = testDatabases().find((d) => d.name === 'postgres');
describe.runIf(pg)('overload and faults on postgres', () => {
  let adapter: WarehouseAdapter;
  let admin: WarehouseAdapter;
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });

  beforeAll(async () => {
    adapter = await adapterFor(pg!);
    admin = await adapterFor(pg!);
  });
  afterAll(async () => {
    agent.destroy();
    await adapter.close();
    await admin.close();
  });

  const listen = async (layer: SemanticLayer, extra: Parameters<typeof createServer>[0]['limits'] & { timeout?: number } = {}): Promise<{ server: StrataServer; port: number }> => {
    const server = await createServer({ layer, adapter, auth: { secret: SECRET }, metaSchema: 'strata_test_no_meta', stateRefreshMs: 0, statementTimeoutMs: extra.timeout ?? 30_000, limits: { maxConcurrent: extra.maxConcurrent ?? 3, maxPerRole: extra.maxPerRole ?? 2 } });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    return { server, port: (server.app.server.address() as AddressInfo).port };
  };

  it('past the per-role and overall limits answers 429 / 503 at once instead of queueing', async () => {
    const { server, port } = await listen(slowLayer(0.6), { maxConcurrent: 3, maxPerRole: 2 });
    try {
      const a = await token('anyone-a');
      const b = await token('anyone-b');
      // Distinct limits: distinct cache keys, so every request needs the database.
      const q = (n: number): unknown => ({ metrics: ['n'], limit: n });
      // Role a first (2 admitted, the 3rd over its role limit), then role b (1 admitted, then full).
      const first = [1, 2, 3].map((n) => call(port, agent, 'POST', '/api/v1/query', a, q(n)));
      await new Promise((r) => setTimeout(r, 150));
      const second = [4, 5].map((n) => call(port, agent, 'POST', '/api/v1/query', b, q(n)));
      const results = await Promise.all([...first, ...second]);
      const byStatus = results.map((r) => r.status).sort();
      expect(byStatus).toEqual([200, 200, 200, 429, 503]);
      for (const r of results.filter((x) => x.status !== 200)) {
        expect(r.ms).toBeLessThan(400); // refused at once, not after the slow queries
        expect(JSON.parse(r.body).error.code).toMatch(/too_many_requests|overloaded/);
      }
    } finally {
      await server.close();
    }
  }, 30_000);

  it('a query past the statement timeout is cancelled and answered with 503', async () => {
    const { server, port } = await listen(slowLayer(3), { timeout: 300 });
    try {
      const r = await call(port, agent, 'POST', '/api/v1/query', await token('x'), { metrics: ['n'] });
      expect(r.status).toBe(503);
      expect(JSON.parse(r.body).error.code).toBe('timeout');
      expect(r.ms).toBeLessThan(2_000);
    } finally {
      await server.close();
    }
  }, 30_000);

  it('survives a database restart: in-flight requests get 503, later ones succeed', async () => {
    const { server, port } = await listen(slowLayer(2), { maxConcurrent: 10, maxPerRole: 10 });
    const auth = await token('x');
    try {
      expect((await call(port, agent, 'GET', '/health', auth)).status).toBe(200);
      // Every connection of this adapter's pool (and only those) is terminated, like a restart.
      const inFlight = call(port, agent, 'POST', '/api/v1/query', auth, { metrics: ['n'] });
      await new Promise((r) => setTimeout(r, 300));
      const pids = await poolPids(adapter);
      const active = await admin.query<{ pid: number }>(`select pid from pg_stat_activity where query like '%pg_sleep(2)%' and pid <> pg_backend_pid() and state = 'active'`);
      const victims = [...new Set([...pids, ...active.rows.map((r) => r.pid)])];
      await admin.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [victims]);
      const failed = await inFlight;
      expect(failed.status).toBe(503);
      expect(JSON.parse(failed.body).error.code).toBe('database_unavailable');
      let ok = false;
      for (let i = 0; i < 10 && !ok; i++) ok = (await call(port, agent, 'GET', '/health', auth)).status === 200;
      expect(ok).toBe(true);
    } finally {
      await server.close();
    }
  }, 30_000);
});

/** The backend pids of every pooled connection, found by holding them all at once. */
async function poolPids(adapter: WarehouseAdapter): Promise<number[]> {
  const n = adapter.maxConcurrency;
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return Promise.all(
    Array.from({ length: n }, () =>
      adapter.withSession(async (s) => {
        const pid = (await s.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
        if (++arrived === n) release();
        await Promise.race([all, new Promise((r) => setTimeout(r, 500))]);
        return pid;
      }),
    ),
  );
}
