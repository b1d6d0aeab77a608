/**
 * Regression tests of "Trustworthy answers": each finding as the request that exposed it and
 * the answer it must get now (status, rows compared with SQL written by hand).
 */
import { SignJWT } from 'jose';
import type { Response as InjectResponse } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { loadSemanticLayer, type SemanticLayer } from '../../../src/semantic/index.js';
import { afterBuild, createServer, LruCache, readBuildState, recordNodeBuilds, type StrataServer } from '../../../src/server/index.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';
import { SECRET, serverSemanticYaml, setUpWarehouse, startServer, tearDownWarehouse, token, uniqueSchema } from './fixture.js';

/** The server fixture plus a model with its own region column and no join to customer, and the roles under test. */
function trustYaml(s: string, policy: 'v1' | 'v2' = 'v1'): string {
  return serverSemanticYaml(s)
    .replace(
      '  - name: items\n',
      `  - name: activity
    table: ${s}.customer_activity
    primary_key: customer_id
    dimensions:
      - { name: region }
      - { name: segment }
    measures:
      - { name: customers, agg: count }
  - name: items
`,
    )
    .replace('metrics:\n', 'metrics:\n  - { name: active_customers, type: simple, measure: activity.customers }\n')
    .replace(
      'access:\n  roles:\n',
      `access:
  roles:
    scoped:
      row_filter: "{customer}.region = {{ user.region }}"
      model_filters: { activity: "{activity}.region = {{ user.region }}" }
      unrestricted_models: [product]
    books:
      row_filter: "{product}.category = 'Books'"
      unrestricted_models: [web, customer]
    nochannel:
      hide: [${policy === 'v2' ? 'sales.channel, ' : ''}customer.email]
`,
    );
}

function layerOf(yaml: string): SemanticLayer {
  const r = loadSemanticLayer([{ file: 'semantic/trust.yml', text: yaml }], { resolveRef: () => undefined, refNames: [] });
  if (!r.layer) throw new Error(JSON.stringify(r.diagnostics, null, 2));
  return r.layer;
}

const round = (rows: readonly Record<string, unknown>[]): Record<string, unknown>[] =>
  rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v])));

for (const db of testDatabases()) {
  describe(`trustworthy answers on ${db.name}`, () => {
    const s = uniqueSchema('trust');
    let adapter: WarehouseAdapter;
    let layer: SemanticLayer;
    let server: StrataServer;
    const post = (srv: StrataServer, url: string, body: unknown, auth?: string, headers: Record<string, string> = {}): Promise<InjectResponse> =>
      srv.app.inject({ method: 'POST', url, payload: body as object, headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...headers } });
    const rows = async (sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> => (await adapter.query<Record<string, unknown>>(sql, params)).rows as Record<string, unknown>[];

    beforeAll(async () => {
      adapter = await adapterFor(db);
      await setUpWarehouse(adapter, s);
      await adapter.query(`create table "${s}".customer_activity as select customer_key as customer_id, region, segment from "${s}".dim_customer`);
      layer = layerOf(trustYaml(s));
      await afterBuild({ adapter, layer, command: 'build', schema: s, nodes: 0, metaSchema: `${s}_meta` });
      server = await startServer(layer, adapter, s);
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await tearDownWarehouse(adapter, s);
      await adapter.close();
    });

    it('1: a model the row filter cannot reach is refused (403 naming filter and model), not read unfiltered', async () => {
      const emea = await token('sales', { region: 'EMEA' });
      const r = await post(server, '/api/v1/query', { metrics: ['active_customers'] }, emea);
      expect(r.statusCode).toBe(403);
      expect(r.json().error.message).toContain("row filter '{customer}.region = {{ user.region }}'");
      expect(r.json().error.message).toContain("'activity'");
      // Dimension-only queries of unreachable models too.
      expect((await post(server, '/api/v1/query', { dimensions: ['product.category'] }, emea)).statusCode).toBe(403);
      // /meta lists only what the role can query.
      const meta = (await server.app.inject({ method: 'GET', url: '/api/v1/meta', headers: { authorization: `Bearer ${emea}` } })).json() as { models: { name: string }[]; metrics: { name: string }[] };
      expect(meta.models.map((m) => m.name)).not.toContain('activity');
      expect(meta.models.map((m) => m.name)).not.toContain('product');
      expect(meta.metrics.map((m) => m.name)).not.toContain('active_customers');
    });

    it('1: a per-model filter restricts that model; unrestricted_models reads without one', async () => {
      const scoped = await token('scoped', { region: 'EMEA' });
      const r = await post(server, '/api/v1/query', { metrics: ['active_customers'] }, scoped);
      expect(r.statusCode).toBe(200);
      const [expected] = await rows(`select count(*)::int as n from "${s}".customer_activity where region = 'EMEA'`);
      expect(r.json().rows).toEqual([{ active_customers: expected!['n'] }]);
      const cats = await post(server, '/api/v1/query', { dimensions: ['product.category'] }, scoped);
      expect(cats.statusCode).toBe(200);
      expect(cats.json().rows).toHaveLength(3);
    });

    it('1: the conversion subquery carries the row filter', async () => {
      const books = await token('books');
      const r = await post(server, '/api/v1/query', { metrics: ['visit_to_purchase'] }, books);
      expect(r.statusCode).toBe(200);
      const [expected] = await rows(
        `select count(*) filter (where exists (select 1 from "${s}".fact_sales f join "${s}".dim_product p on p.product_key = f.product_key
            where p.category = 'Books' and f.customer_key = w.customer_key and f.sold_at > w.occurred_at and f.sold_at <= w.occurred_at + interval '7 days'))::float8
          / count(*) as rate from "${s}".web_events w`,
      );
      expect(round(r.json().rows)).toEqual(round([{ visit_to_purchase: expected!['rate'] }]));
      const all = await post(server, '/api/v1/query', { metrics: ['visit_to_purchase'] }, await token('finance'));
      expect(all.json().rows[0].visit_to_purchase).toBeGreaterThan(r.json().rows[0].visit_to_purchase);
    });

    it('1: rollup reads carry the row filter (same rows as the fact table for the role)', async () => {
      const emea = await token('sales', { region: 'EMEA' });
      const r = await post(server, '/api/v1/query', { metrics: ['revenue'], dimensions: ['sales.channel'] }, emea);
      expect(r.json().meta.rollup).toBe('sales_region_day');
      const expected = await rows(
        `select f.channel as "sales.channel", sum(f.amount)::float8 as revenue from "${s}".fact_sales f join "${s}".dim_customer c using (customer_key) where c.region = 'EMEA' group by 1 order by 1`,
      );
      expect(round(r.json().rows)).toEqual(round(expected));
    });

    it('4: hide works by measure (revenue hidden → revenue_ytd too); segments over hidden columns are refused', async () => {
      const blind = await token('blind');
      for (const metric of ['revenue', 'revenue_ytd', 'web_revenue', 'revenue_7d']) {
        const r = await post(server, '/api/v1/query', { metrics: [metric], dimensions: ['sales.sold_at.month'] }, blind);
        expect([metric, r.statusCode]).toEqual([metric, 403]);
      }
      const meta = (await server.app.inject({ method: 'GET', url: '/api/v1/meta', headers: { authorization: `Bearer ${blind}` } })).json() as { metrics: { name: string }[] };
      expect(meta.metrics.map((m) => m.name)).not.toContain('revenue_ytd');
      expect(meta.metrics.map((m) => m.name)).toContain('units');

      const v2 = layerOf(trustYaml(s, 'v2'));
      const srv = await startServer(v2, adapter, s);
      try {
        const nochannel = await token('nochannel');
        const seg = await post(srv, '/api/v1/query', { metrics: ['units'], segments: ['sales.online'] }, nochannel);
        expect(seg.statusCode).toBe(403);
        expect(seg.json().error.message).toContain('sales.channel');
        // web_revenue filters on the hidden channel column: refused as well.
        expect((await post(srv, '/api/v1/query', { metrics: ['web_revenue'] }, nochannel)).statusCode).toBe(403);
      } finally {
        await srv.close();
      }
    });

    it('3: access checks run before the cache; a changed policy never reads the old entry', async () => {
      const cache = new LruCache(100);
      const before = await startServer(layerOf(trustYaml(s, 'v1')), adapter, s, { cache });
      const after = await startServer(layerOf(trustYaml(s, 'v2')), adapter, s, { cache });
      try {
        const nochannel = await token('nochannel');
        const q = { metrics: ['units'], dimensions: ['sales.channel'] };
        expect((await post(before, '/api/v1/query', q, nochannel)).statusCode).toBe(200);
        expect((await post(before, '/api/v1/query', q, nochannel)).json().meta.cache).toBe('hit');
        expect(cache.size).toBe(1);
        // sales.channel is now hidden from the role: the cached answer must not come back.
        const r = await post(after, '/api/v1/query', q, nochannel);
        expect(r.statusCode).toBe(403);
        // Same query still allowed under the new policy (units alone): a miss, not the old entry.
        expect((await post(after, '/api/v1/query', { metrics: ['units'] }, nochannel)).json().meta.cache).toBe('miss');
      } finally {
        await before.close();
        await after.close();
      }
    });

    it('5: a __proto__ (or constructor) claim is refused with 401', async () => {
      for (const claim of ['__proto__', 'constructor']) {
        const payload = JSON.parse(`{"role":"sales","${claim}":{"region":"EMEA"}}`) as Record<string, unknown>;
        const t = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
        const r = await post(server, '/api/v1/query', { metrics: ['revenue'] }, t);
        expect([claim, r.statusCode]).toEqual([claim, 401]);
        expect(r.json().error.message).toContain('reserved');
      }
    });

    it('10: tokens need exp; audience and issuer are enforced when configured; JWKS only over https', async () => {
      const noExp = await new SignJWT({ role: 'finance' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
      const r = await post(server, '/api/v1/query', { metrics: ['units'] }, noExp);
      expect(r.statusCode).toBe(401);
      expect(r.json().error.message).toContain('exp');
      const strict = await startServer(layer, adapter, s, { auth: { secret: SECRET, audience: 'strata-api', issuer: 'https://idp.example' } });
      try {
        const sign = (claims: Record<string, unknown>): Promise<string> =>
          new SignJWT({ role: 'finance', ...claims }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
        expect((await post(strict, '/api/v1/query', { metrics: ['units'] }, await sign({}))).statusCode).toBe(401);
        expect((await post(strict, '/api/v1/query', { metrics: ['units'] }, await sign({ aud: 'other', iss: 'https://idp.example' }))).statusCode).toBe(401);
        expect((await post(strict, '/api/v1/query', { metrics: ['units'] }, await sign({ aud: 'strata-api', iss: 'https://idp.example' }))).statusCode).toBe(200);
      } finally {
        await strict.close();
      }
      await expect(createServer({ layer, adapter, auth: { jwks: 'http://idp.example/jwks.json' }, stateRefreshMs: 0 })).rejects.toThrow(/https/);
      const local = await createServer({ layer, adapter, auth: { jwks: 'http://127.0.0.1:1/jwks.json' }, stateRefreshMs: 0 });
      await local.close();
    });

    it('12: --dev answers only requests addressed to a loopback name (DNS rebinding)', async () => {
      const dev = await createServer({ layer, adapter, auth: { devRole: 'finance' }, metaSchema: `${s}_meta`, targetSchema: s, stateRefreshMs: 0 });
      try {
        const q = { metrics: ['units'] };
        expect((await post(dev, '/api/v1/query', q, undefined, { host: 'evil.example:4000' })).statusCode).toBe(403);
        expect((await post(dev, '/api/v1/query', q, undefined, { host: 'localhost:4000' })).statusCode).toBe(200);
        expect((await post(dev, '/api/v1/query', q, undefined, { host: '127.0.0.1' })).statusCode).toBe(200);
        expect((await post(dev, '/api/v1/query', q, undefined, { host: '[::1]:4000' })).statusCode).toBe(200);
      } finally {
        await dev.close();
      }
    });

    it('13: results have a default row cap (meta.truncated); a limit above the maximum is a 400', async () => {
      const capped = await startServer(layer, adapter, s, { rowLimits: { default: 5, max: 50 } });
      try {
        const finance = await token('finance');
        const r = await post(capped, '/api/v1/query', { metrics: ['revenue'], dimensions: ['sales.sold_at.day'] }, finance);
        expect(r.statusCode).toBe(200);
        expect(r.json().rows).toHaveLength(5);
        expect(r.json().meta.truncated).toBe(true);
        const few = await post(capped, '/api/v1/query', { metrics: ['revenue'], dimensions: ['customer.region'] }, finance);
        expect([few.json().rows.length, few.json().meta.truncated]).toEqual([3, false]);
        const big = await post(capped, '/api/v1/query', { metrics: ['revenue'], limit: 51 }, finance);
        expect(big.statusCode).toBe(400);
        expect(big.json().error.message).toContain('maximum of 50');
      } finally {
        await capped.close();
      }
    });

    it('11: an IN list over 65,535 values is a 400 before the database', async () => {
      const values = Array.from({ length: 65_536 }, (_x, i) => `v${i}`);
      const r = await post(server, '/api/v1/query', { metrics: ['units'], filters: [{ member: 'customer.region', op: 'in', values }] }, await token('finance'));
      expect(r.statusCode).toBe(400);
    });

    it('2: after a run rebuilds a source, a rollup built before it is not read (and run rebuilds it)', async () => {
      const finance = await token('finance');
      const q = { metrics: ['revenue'], dimensions: ['customer.region'] };
      expect((await post(server, '/api/v1/query', q, finance)).json().meta.rollup).not.toBeNull();
      // The fact table changes and is recorded as rebuilt, but its rollups are not (a run of an
      // older version, or a failed rollup): the server must read the fact table.
      await adapter.query(`update "${s}".fact_sales set amount = amount + 1000 where sale_key <= 10`);
      await recordNodeBuilds(adapter, [layer.models['sales']!.from], 'manual-run', `${s}_meta`, s);
      await server.service.refreshState();
      const stale = (await post(server, '/api/v1/query', q, finance)).json();
      expect(stale.meta.rollup).toBeNull();
      const expected = await rows(`select c.region as "customer.region", sum(f.amount)::float8 as revenue from "${s}".fact_sales f join "${s}".dim_customer c using (customer_key) group by 1 order by 1`);
      expect(round(stale.rows)).toEqual(round(expected));
      // `run` over the fact table rebuilds the rollups built from it.
      const out = await afterBuild({ adapter, layer, command: 'run', schema: s, nodes: 1, metaSchema: `${s}_meta`, rebuilt: [layer.models['sales']!.from] });
      expect(out.rollups.map((x) => x.name).sort()).toEqual(['sales_region_day', 'sales_region_month_distinct']);
      await server.service.refreshState();
      const fresh = (await post(server, '/api/v1/query', q, finance)).json();
      expect(fresh.meta.rollup).not.toBeNull();
      expect(round(fresh.rows)).toEqual(round(expected));
    });

    it('7: builds of another target schema never replace this schema\'s rollups or build id', async () => {
      const other = uniqueSchema('trust_b');
      await setUpWarehouse(adapter, other);
      try {
        const before = await readBuildState(adapter, `${s}_meta`, s);
        // Schema b recorded in a's meta schema (as two targets sharing strata_meta would).
        const otherLayer = layerOf(trustYaml(other).replace(/\n {2}- name: activity[\s\S]*?measures:\n {6}- \{ name: customers, agg: count \}\n/, '\n').replace('  - { name: active_customers, type: simple, measure: activity.customers }\n', '').replace('      model_filters: { activity: "{activity}.region = {{ user.region }}" }\n', ''));
        await afterBuild({ adapter, layer: otherLayer, command: 'build', schema: other, nodes: 0, metaSchema: `${s}_meta` });
        const afterB = await readBuildState(adapter, `${s}_meta`, s);
        expect(afterB.buildId).toBe(before.buildId);
        expect(afterB.rollups['sales_region_day']!.relation).toBe(before.rollups['sales_region_day']!.relation);
        expect(afterB.rollups['sales_region_day']!.relation).toContain(`"${s}"`);
        await server.service.refreshState();
        expect(server.service.builtRollups['sales_region_day']).toContain(`"${s}"`);
      } finally {
        await tearDownWarehouse(adapter, other);
      }
    });
  });
}
