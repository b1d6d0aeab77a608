import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { materialize, PostgresOnlineStore, RedisOnlineStore, type FeatureRegistry, type OnlineStore } from '../../../src/features/index.js';
import type { StrataServer } from '../../../src/server/index.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';
import { testRedis } from '../../helpers/redis.js';
import { BASE, HOUR, loadData, reference, registryFor, ts, type FeatRow } from '../features/fixture.js';
import { setUpWarehouse, startServer, tearDownWarehouse, token, uniqueSchema } from './fixture.js';

// Hours since BASE of "one hour ago": a value fresh enough to be served within the 10 h TTL.
const RECENT = Math.floor((Date.now() - BASE) / HOUR) - 1;
const FEATS: FeatRow[] = [
  { k: 1, h: 1, a: 10, b: 1 },
  { k: 1, h: 5, a: 11, b: null },
  { k: 2, h: 3, a: 20, b: 2 },
  { k: 3, h: 0, a: 30, b: 0 },
  { k: 4, h: RECENT, a: 40, b: null },
];

const redisUrl = testRedis();
for (const dbInfo of testDatabases()) {
  const stores: { name: string; open: (db: WarehouseAdapter, schema: string) => OnlineStore }[] = [
    { name: 'postgres', open: (db, schema) => new PostgresOnlineStore(db, schema, `test.${schema}`) },
    ...(redisUrl && dbInfo.name === 'postgres' ? [{ name: 'redis', open: (_db: WarehouseAdapter, schema: string) => new RedisOnlineStore(redisUrl, `test.${schema}`) }] : []),
  ];
  for (const storeInfo of stores) {
    describe(`feature API on ${dbInfo.name} with the ${storeInfo.name} online store`, () => {
      const s = uniqueSchema('fapi');
      let adapter: WarehouseAdapter;
      let server: StrataServer;
      let store: OnlineStore;
      let registry: FeatureRegistry;
      let auth: string;

      beforeAll(async () => {
        adapter = await adapterFor(dbInfo);
        const layer = await setUpWarehouse(adapter, s);
        await loadData(adapter, s, FEATS, []);
        registry = { ...registryFor(s), namespace: `test.${s}` };
        store = storeInfo.open(adapter, s);
        await materialize(adapter, store, registry, { asOf: new Date() });
        server = await startServer(layer, adapter, s, { features: { registry, store } });
        auth = `Bearer ${await token('finance')}`;
      });
      afterAll(async () => {
        await server.close();
        if (store instanceof RedisOnlineStore) {
          const keys = await store.client.keys(`strata:${store.namespace}:*`);
          if (keys.length) await store.client.del(...keys);
        }
        await store.close();
        await tearDownWarehouse(adapter, s);
        await adapter.close();
      });

      it('serves online values with their timestamps behind the same auth', async () => {
        const unauth = await server.app.inject({ method: 'POST', url: '/api/v1/features/online', payload: { features: 'fv:a', entities: [{ k: 1 }] } });
        expect(unauth.statusCode).toBe(401);
        const r = await server.app.inject({
          method: 'POST',
          url: '/api/v1/features/online',
          headers: { authorization: auth },
          payload: { features: ['fv:a', 'fv:b'], entities: [{ k: 4 }, { k: 1 }, { k: 9 }] },
        });
        expect(r.statusCode).toBe(200);
        const body = r.json() as { features: string[]; results: { entity: unknown; values: Record<string, { value: unknown; event_timestamp: string | null; status: string }> }[] };
        expect(body.features).toEqual(['fv__a', 'fv__b']);
        // Fresh: served with its timestamp.
        expect(body.results[0]!.values['fv__a']).toMatchObject({ value: 40, status: 'present' });
        expect(new Date(body.results[0]!.values['fv__a']!.event_timestamp!).getTime()).toBe(BASE + RECENT * HOUR);
        expect(body.results[0]!.values['fv__b']).toMatchObject({ value: null, status: 'null' });
        // Older than the TTL when materialized: never written, so not served online either
        // (values that expire after materialization are covered in test/integration/features).
        expect(body.results[1]!.values['fv__a']).toMatchObject({ value: null, status: 'missing' });
        expect(body.results[2]!.values['fv__a']).toMatchObject({ value: null, status: 'missing' });
      });

      it('builds a small point-in-time training set from inline entity rows', async () => {
        const entities = [
          { k: 1, event_timestamp: ts(4), label: 'x' },
          { k: 1, event_timestamp: ts(5), label: 'y' },
          { k: 2, event_timestamp: ts(2), label: 'z' },
          { k: 3, event_timestamp: ts(20), label: "o'brien" },
        ];
        const r = await server.app.inject({ method: 'POST', url: '/api/v1/features/training-set', headers: { authorization: auth }, payload: { features: 'fv:a', entities } });
        expect(r.statusCode).toBe(200);
        const body = r.json() as { columns: string[]; rows: Record<string, unknown>[] };
        expect(body.columns).toEqual(['k', 'event_timestamp', 'label', 'fv__a']);
        const want = entities.map((e) => {
          const h = (new Date(`${e.event_timestamp}Z`).getTime() - BASE) / HOUR;
          const ref = reference(FEATS, e.k, h);
          return ref?.a === undefined || ref.a === null ? null : ref.a;
        });
        expect(body.rows.map((x) => x['fv__a'])).toEqual(want);
        expect(body.rows.map((x) => x['label'])).toEqual(['x', 'y', 'z', "o'brien"]);
        expect(body.rows.map((x) => x['k'])).toEqual([1, 1, 2, 3]);
      });

      it('row-filtered roles get no features unless the policy allows them', async () => {
        const sales = `Bearer ${await token('sales', { region: 'EMEA' })}`;
        const online = await server.app.inject({ method: 'POST', url: '/api/v1/features/online', headers: { authorization: sales }, payload: { features: 'fv:a', entities: [{ k: 4 }] } });
        expect(online.statusCode).toBe(403);
        expect(online.json()).toMatchObject({ error: { code: 'forbidden' } });
        const ts1 = await server.app.inject({ method: 'POST', url: '/api/v1/features/training-set', headers: { authorization: sales }, payload: { features: 'fv:a', entities: [{ k: 1, event_timestamp: ts(4) }] } });
        expect(ts1.statusCode).toBe(403);
        const list = await server.app.inject({ method: 'GET', url: '/api/v1/features', headers: { authorization: sales } });
        expect(list.statusCode).toBe(200);
        expect((list.json() as { feature_views: unknown[] }).feature_views).toEqual([]);
      });

      it('rejects bad requests with 400 and no database text', async () => {
        const bad = [
          { features: 'fv:nope', entities: [{ k: 1 }] },
          { features: 'fv:a', entities: [] },
          { features: 'fv:a', entities: [{ k: 1 }], extra: true },
        ];
        for (const payload of bad) {
          const r = await server.app.inject({ method: 'POST', url: '/api/v1/features/online', headers: { authorization: auth }, payload });
          expect(r.statusCode, JSON.stringify(payload)).toBe(400);
        }
        const ts1 = await server.app.inject({
          method: 'POST',
          url: '/api/v1/features/training-set',
          headers: { authorization: auth },
          payload: { features: 'fv:a', entities: [{ k: 'not-a-number', event_timestamp: 'yesterday-ish' }] },
        });
        expect(ts1.statusCode).toBe(400);
        expect(ts1.body).not.toMatch(/invalid input syntax|SQLSTATE|pg_/);
      });
    });
  }
}
