import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import type { SemanticLayer } from '../../../src/semantic/index.js';
import { RedisCache, type StrataServer } from '../../../src/server/index.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';
import { testRedis } from '../../helpers/redis.js';
import { setUpWarehouse, startServer, tearDownWarehouse, token, uniqueSchema } from './fixture.js';

const redisUrl = testRedis();

describe.runIf(redisUrl)('Redis result cache shared by two replicas', () => {
  const s = uniqueSchema('redis');
  const db = testDatabases()[0]!;
  let adapter: WarehouseAdapter;
  let layer: SemanticLayer;
  let a: StrataServer;
  let b: StrataServer;
  const prefix = `strata-test:${s}:`;

  beforeAll(async () => {
    adapter = await adapterFor(db);
    layer = await setUpWarehouse(adapter, s);
    const cacheA = new RedisCache(redisUrl!, undefined, prefix);
    const cacheB = new RedisCache(redisUrl!, undefined, prefix);
    await Promise.all([cacheA.ready(), cacheB.ready()]);
    a = await startServer(layer, adapter, s, { cache: cacheA });
    b = await startServer(layer, adapter, s, { cache: cacheB });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await tearDownWarehouse(adapter, s);
    await adapter.close();
  });

  it('a result cached by one replica is a hit on the other; per role and attributes', async () => {
    const q = { metrics: ['revenue'], dimensions: ['product.category'] };
    const emea = await token('sales', { region: 'EMEA' });
    const post = (srv: StrataServer, auth: string): Promise<{ meta: { cache: string }; rows: unknown[] }> =>
      srv.app.inject({ method: 'POST', url: '/api/v1/query', payload: q, headers: { authorization: `Bearer ${auth}` } }).then((r) => r.json() as { meta: { cache: string }; rows: unknown[] });
    const first = await post(a, emea);
    const second = await post(b, emea);
    expect([first.meta.cache, second.meta.cache]).toEqual(['miss', 'hit']);
    expect(second.rows).toEqual(first.rows);
    const apac = await post(b, await token('sales', { region: 'APAC' }));
    expect(apac.meta.cache).toBe('miss');
    expect(apac.rows).not.toEqual(first.rows);
  });

  it('an unreachable Redis is a miss, not an error', async () => {
    const dead = new RedisCache('redis://127.0.0.1:1/0', () => undefined, prefix);
    const srv = await startServer(layer, adapter, s, { cache: dead });
    try {
      const r = await srv.app.inject({ method: 'POST', url: '/api/v1/query', payload: { metrics: ['units'] }, headers: { authorization: `Bearer ${await token('finance')}` } });
      expect(r.statusCode).toBe(200);
      expect(r.json().meta.cache).toBe('miss');
    } finally {
      await srv.close();
    }
  });
});
