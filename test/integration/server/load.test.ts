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

/** A slow model and a cheap one: a role flooding the first must not delay the second. */
const mixedLayer = (seconds: number): SemanticLayer =>
  loadSemanticLayer(
    [
      {
        file: 'mixed.yml',
        text: `semantic_models:\n  - name: slow\n    sql: "select 1 as x from pg_sleep(${seconds})"\n    dimensions: [{ name: x, type: number }]\n    measures: [{ name: n, agg: count }]\n  - name: fast\n    sql: "select 1 as x"\n    dimensions: [{ name: x, type: number }]\n    measures: [{ name: n, agg: count }]\nmetrics:\n  - { name: slow_n, type: simple, measure: slow.n }\n  - { name: fast_n, type: simple, measure: fast.n }\n`,
      },
    ],
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
    const { timeout, ...limits } = extra;
    const server = await createServer({ layer, adapter, auth: { secret: SECRET }, metaSchema: 'strata_test_no_meta', stateRefreshMs: 0, statementTimeoutMs: timeout ?? 30_000, limits: { maxConcurrent: 3, maxPerRole: 2, ...limits } });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    return { server, port: (server.app.server.address() as AddressInfo).port };
  };

  it('limits come from the pool: an admitted query never waits for a connection', async () => {
    const { server } = await listen(slowLayer(0.1), { maxConcurrent: 16, maxPerRole: 8 });
    try {
      const health = (await server.app.inject({ method: 'GET', url: '/health' })).json() as { queue: { max_running: number } };
      expect(health.queue.max_running).toBe(adapter.maxConcurrency);
    } finally {
      await server.close();
    }
  });

  it("one role flooding slow queries does not delay another role's cheap query", async () => {
    // The pool (4) and the limits as the finding had them: per role 8, overall 16.
    const { server, port } = await listen(mixedLayer(1.5), { maxConcurrent: 16, maxPerRole: 8 });
    try {
      const a = await token('anyone-a');
      const b = await token('anyone-b');
      const flood = Array.from({ length: 8 }, (_x, n) => call(port, agent, 'POST', '/api/v1/query', a, { metrics: ['slow_n'], limit: n + 1 }));
      await new Promise((r) => setTimeout(r, 200));
      const cheap: HttpResult[] = [];
      for (let i = 0; i < 5; i++) cheap.push(await call(port, agent, 'POST', '/api/v1/query', b, { metrics: ['fast_n'], limit: i + 1 }));
      expect(cheap.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      for (const r of cheap) expect(r.ms).toBeLessThan(500);
      const flooded = await Promise.all(flood);
      // The flooding role's own queries wait their turn (or are refused at once), never fail.
      for (const r of flooded) expect([200, 429]).toContain(r.status);
    } finally {
      await server.close();
    }
  }, 30_000);

  it('a full queue refuses at once (429 per role, 503 overall); a long wait is a 503 with Retry-After', async () => {
    const { server, port } = await listen(slowLayer(1), { maxConcurrent: 1, maxPerRole: 1, maxQueued: 2, maxQueuedPerRole: 1, queueTimeoutMs: 300 });
    try {
      const a = await token('anyone-a');
      const b = await token('anyone-b');
      const c = await token('anyone-c');
      const q = (n: number): unknown => ({ metrics: ['n'], limit: n });
      const running = call(port, agent, 'POST', '/api/v1/query', a, q(1));
      await new Promise((r) => setTimeout(r, 100));
      const queuedA = call(port, agent, 'POST', '/api/v1/query', a, q(2));
      const queuedB = call(port, agent, 'POST', '/api/v1/query', b, q(3));
      await new Promise((r) => setTimeout(r, 50));
      const roleFull = await call(port, agent, 'POST', '/api/v1/query', a, q(4));
      const allFull = await call(port, agent, 'POST', '/api/v1/query', c, q(5));
      expect([roleFull.status, JSON.parse(roleFull.body).error.code]).toEqual([429, 'too_many_requests']);
      expect([allFull.status, JSON.parse(allFull.body).error.code]).toEqual([503, 'overloaded']);
      expect(roleFull.ms).toBeLessThan(200);
      expect(allFull.ms).toBeLessThan(200);
      const health = (await server.app.inject({ method: 'GET', url: '/health' })).json() as { status: string; queue: { waiting: number } };
      expect(health).toMatchObject({ status: 'degraded', queue: { waiting: 2 } });
      for (const waited of await Promise.all([queuedA, queuedB])) {
        expect(waited.status).toBe(503);
        expect(JSON.parse(waited.body).error.code).toBe('queue_timeout');
        expect(waited.ms).toBeLessThan(800);
      }
      expect((await running).status).toBe(200);
    } finally {
      await server.close();
    }
  }, 30_000);

  it('a request whose client goes away is cancelled in PostgreSQL within a second', async () => {
    const { server, port } = await listen(slowLayer(20));
    try {
      const auth = await token('x');
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/query', headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' } });
      req.on('error', () => undefined);
      req.end(JSON.stringify({ metrics: ['n'] }));
      const running = async (): Promise<number> =>
        Number((await admin.query<{ n: string }>(`select count(*) as n from pg_stat_activity where query like '%pg_sleep(20)%' and state = 'active' and pid <> pg_backend_pid()`)).rows[0]!.n);
      for (let i = 0; i < 40 && (await running()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await running()).toBe(1);
      const gone = performance.now();
      req.destroy();
      while ((await running()) > 0 && performance.now() - gone < 3_000) await new Promise((r) => setTimeout(r, 25));
      expect(await running()).toBe(0);
      expect(performance.now() - gone).toBeLessThan(1_000);
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
