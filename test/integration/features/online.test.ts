import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import {
  buildTrainingSet,
  checkParity,
  getOnlineFeatures,
  materialize,
  PostgresOnlineStore,
  RedisOnlineStore,
  type FeatureRegistry,
  type OnlineStore,
} from '../../../src/features/index.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';
import { testRedis } from '../../helpers/redis.js';
import { uniqueSchema } from '../../helpers/strata-cli.js';
import { BASE, featRows, HOUR, loadData, reference, registryFor, type FeatRow } from './fixture.js';

const KEYS = [1, 2, 3, 4, 5];

/** Leaves nothing behind in the shared Redis. */
async function closeStore(store: OnlineStore): Promise<void> {
  if (store instanceof RedisOnlineStore) {
    const keys = await store.client.keys(`strata:${store.namespace}:*`);
    if (keys.length) await store.client.del(...keys);
  }
  await store.close();
}

async function onlineA(store: OnlineStore, registry: FeatureRegistry, now: number): Promise<(number | null)[]> {
  const r = await getOnlineFeatures(store, registry, { features: 'fv:a,fv:b', entities: KEYS.map((k) => ({ k })), now: new Date(now) });
  return r.results.map((x) => x.values['fv__a']!.value as number | null);
}

/** Reference for stored rows only (`h <= storedUpTo`), evaluated at `h`: the online answer. */
function refA(feats: readonly FeatRow[], storedUpTo: number, h: number): (number | null)[] {
  return KEYS.map((k) => reference(feats.filter((f) => f.h <= storedUpTo), k, h)?.a ?? null);
}

const redisUrl = testRedis();
const stores: { name: string; open: (db: WarehouseAdapter, schema: string) => OnlineStore }[] = [
  { name: 'postgres store', open: (db, schema) => new PostgresOnlineStore(db, schema, `test.${schema}`) },
  ...(redisUrl ? [{ name: 'redis store', open: (_db: WarehouseAdapter, schema: string) => new RedisOnlineStore(redisUrl, `test.${schema}`) }] : []),
];

for (const dbInfo of testDatabases()) {
  for (const storeInfo of stores) {
    describe(`online store parity (${dbInfo.name}, ${storeInfo.name})`, () => {
      let db: WarehouseAdapter;
      const schema = uniqueSchema('onl');
      beforeAll(async () => {
        db = await adapterFor(dbInfo, schema);
        await db.query(`create schema "${schema}"`);
      });
      afterAll(async () => {
        await db.query(`drop schema if exists "${schema}" cascade`);
        await db.close();
      });

      it('online = offline point in time after full and incremental materialization; TTL enforced online', async () => {
        let run = 0;
        await fc.assert(
          fc.asyncProperty(featRows, featRows, async (first, later) => {
            // A fresh namespace per run: stores never see a previous run's keys.
            const ns = `${schema}_${run++}`;
            const store = storeInfo.open(db, ns);
            const registry = { ...registryFor(schema), namespace: `test.${ns}` };
            try {
              await loadData(db, schema, first, []);
              await materialize(db, store, registry, { asOf: new Date(BASE + 16 * HOUR) });
              expect(await onlineA(store, registry, BASE + 16 * HOUR)).toEqual(refA(first, 16, 16));
              // 9 hours later, values older than the TTL are no longer served.
              expect(await onlineA(store, registry, BASE + 25 * HOUR)).toEqual(refA(first, 16, 25));
              expect((await checkParity(db, store, registry, { sample: 10 }))[0]!.mismatches).toBe(0);

              // New rows after the watermark; the incremental run refreshes only their entities.
              const newer = later.map((f) => ({ ...f, h: 17 + (f.h % 6) }));
              const all = [...first, ...newer];
              await loadData(db, schema, all, []);
              const [inc] = await materialize(db, store, registry, { asOf: new Date(BASE + 23 * HOUR), incremental: true });
              expect(inc!.incremental).toBe(true);
              expect(inc!.entities).toBe(new Set(newer.map((f) => f.k)).size);
              expect(await onlineA(store, registry, BASE + 23 * HOUR)).toEqual(refA(all, 23, 23));
              expect((await checkParity(db, store, registry, { sample: 10 }))[0]!.mismatches).toBe(0);
            } finally {
              await closeStore(store);
            }
          }),
          { numRuns: dbInfo.name === 'pglite' ? 8 : 12 },
        );
      });

      it('imputes NULL, missing and expired values online exactly as the training set did', async () => {
        const feats: FeatRow[] = [
          { k: 1, h: 1, a: 2, b: null },
          { k: 2, h: 1, a: 6, b: 1 },
          { k: 3, h: 1, a: null, b: 2 },
        ];
        const ents = [1, 2, 3, 4].map((k, id) => ({ id, k, h: 2 }));
        await loadData(db, schema, feats, ents);
        const base = registryFor(schema, true);
        const rows: Record<string, string | null>[] = [];
        const ts = await buildTrainingSet(db, base, { entities: { kind: 'table', relation: `"${schema}"."ents"` }, features: 'fv:a,fv:b', name: 'imp' }, { kind: 'rows', onBatch: (b) => void rows.push(...b) });
        expect(ts.record.impute).toEqual([
          { column: 'fv__a', view: 'fv', feature: 'a', strategy: 'mean', value: 4 },
          { column: 'fv__b', view: 'fv', feature: 'b', strategy: 'constant', value: 7 },
        ]);
        expect(rows.map((r) => [r['fv__a'], r['fv__b']])).toEqual([['2', '7'], ['6', '1'], ['4', '2'], ['4', '7']]);
        const registry: FeatureRegistry = { ...base, namespace: `test.${schema}_imp`, trainingSets: { imp: ts.record } };
        const store = storeInfo.open(db, `${schema}_imp`);
        try {
          await materialize(db, store, registry, { asOf: new Date(BASE + 2 * HOUR) });
          const r = await getOnlineFeatures(store, registry, { features: 'fv:a,fv:b', entities: [1, 2, 3, 4].map((k) => ({ k })), trainingSet: 'imp', now: new Date(BASE + 2 * HOUR) });
          expect(r.results.map((x) => [x.values['fv__a']!.value, x.values['fv__b']!.value])).toEqual([[2, 7], [6, 1], [4, 2], [4, 7]]);
          expect(r.results[3]!.values['fv__a']).toMatchObject({ status: 'missing', imputed: true });
          const expired = await getOnlineFeatures(store, registry, { features: 'fv:a', entities: [{ k: 2 }], trainingSet: 'imp', now: new Date(BASE + 30 * HOUR) });
          expect(expired.results[0]!.values['fv__a']).toMatchObject({ value: 4, status: 'expired', imputed: true });
        } finally {
          await closeStore(store);
        }
      });
    });
  }
}
