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

      it("names that are Object.prototype properties are unknown names (400), never a 500", async () => {
        for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
          for (const features of [name, `${name}:a`, `fv:${name}`]) {
            for (const url of ['/api/v1/features/online', '/api/v1/features/training-set']) {
              const r = await server.app.inject({ method: 'POST', url, headers: { authorization: auth }, payload: { features, entities: [{ k: 1, event_timestamp: ts(4) }] } });
              expect(r.statusCode, `${url} ${features}: ${r.body}`).toBe(400);
              expect(r.json()).toMatchObject({ error: { code: 'invalid_request', diagnostics: [{ code: 'unknown-feature' }] } });
              expect((r.json() as { error: { message: string } }).error.message).toContain(name);
            }
          }
          const t = await server.app.inject({ method: 'POST', url: '/api/v1/features/online', headers: { authorization: auth }, payload: { features: 'fv:a', entities: [{ k: 1 }], training_set: name } });
          expect(t.statusCode).toBe(400);
          expect(t.json()).toMatchObject({ error: { code: 'invalid_request', message: `unknown training set '${name}'` } });
        }
      });

      it('a timestamp_column that is not a timestamp is a 400 naming the column and its type', async () => {
        const r = await server.app.inject({
          method: 'POST',
          url: '/api/v1/features/training-set',
          headers: { authorization: auth },
          payload: { features: 'fv:a', entities: [{ k: 1, event_timestamp: ts(4) }], timestamp_column: 'k' },
        });
        expect(r.statusCode).toBe(400);
        expect(r.json()).toMatchObject({ error: { code: 'invalid_request', message: "the entity timestamp column 'k' is integer, not a timestamp or date" } });
      });

      it('a renamed feature table: 503 feature_table_missing, no database text', async () => {
        await adapter.query(`alter table "${s}".feat rename to feat_moved`);
        try {
          const r = await server.app.inject({
            method: 'POST',
            url: '/api/v1/features/training-set',
            headers: { authorization: auth },
            payload: { features: 'fv:a', entities: [{ k: 1, event_timestamp: ts(4) }] },
          });
          expect(r.statusCode).toBe(503);
          expect(r.json()).toMatchObject({ error: { code: 'feature_table_missing' } });
          expect(r.headers['retry-after']).toBe('1');
          expect(r.body).not.toMatch(/does not exist|SQLSTATE|relation "|feat_moved/);
          // Online values come from the online store and are still served.
          const online = await server.app.inject({ method: 'POST', url: '/api/v1/features/online', headers: { authorization: auth }, payload: { features: 'fv:a', entities: [{ k: 4 }] } });
          expect(online.statusCode).toBe(200);
        } finally {
          await adapter.query(`alter table "${s}".feat_moved rename to feat`);
        }
      });

      it('the online store reports its health', async () => {
        expect(await store.health()).toBe('ok');
      });
    });
  }
}
