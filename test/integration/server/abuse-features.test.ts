/**
 * Bad input and broken dependencies are answered in our own words with a 4xx/503, never a 500,
 * a stack overflow or database text: Cube filters nested 100,000 levels deep, feature names that
 * are Object.prototype properties, a timestamp column that is not a timestamp, a renamed feature
 * table, and Redis going away (a real redis-server this test starts, stops, freezes and restarts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fc from 'fast-check';
import { connect, createServer as createNetServer } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { materialize, PostgresOnlineStore, RedisOnlineStore, type FeatureRegistry } from '../../../src/features/index.js';
import type { SemanticLayer } from '../../../src/semantic/index.js';
import { RedisCache, type StrataServer } from '../../../src/server/index.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';
import { testRedis } from '../../helpers/redis.js';
import { BASE, HOUR, loadData, registryFor, ts, type FeatRow } from '../features/fixture.js';
import { setUpWarehouse, startServer, tearDownWarehouse, token, uniqueSchema } from './fixture.js';

/** PostgreSQL's message shapes: none may reach a caller. */
const DB_TEXT = /does not exist|SQLSTATE|relation "|syntax error at|invalid input syntax|ERROR:|column "|pg_catalog|42P01/i;
const RECENT = Math.floor((Date.now() - BASE) / HOUR) - 1;
const FEATS: FeatRow[] = [
  { k: 1, h: 1, a: 10, b: 1 },
  { k: 2, h: 3, a: 20, b: 2 },
  { k: 4, h: RECENT, a: 40, b: null },
];

/** Runs once, on the real PostgreSQL when configured (else PGlite). */
const db = testDatabases().at(-1)!;
const redisUrl = testRedis();
const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

type ErrorBody = { error: { code: string; message: string; request_id: string; diagnostics?: { code: string; message: string; hint?: string }[] } };

describe(`abuse of the feature and Cube APIs on ${db.name}`, () => {
  const s = uniqueSchema('abuse');
  let adapter: WarehouseAdapter;
  let layer: SemanticLayer;
  let registry: FeatureRegistry;
  let server: StrataServer;
  let store: PostgresOnlineStore;
  let auth: string;

  beforeAll(async () => {
    adapter = await adapterFor(db);
    layer = await setUpWarehouse(adapter, s);
    await loadData(adapter, s, FEATS, []);
    registry = { ...registryFor(s), namespace: `test.${s}` };
    store = new PostgresOnlineStore(adapter, s, `test.${s}`);
    await materialize(adapter, store, registry, { asOf: new Date() });
    server = await startServer(layer, adapter, s, { features: { registry, store } });
    auth = `Bearer ${await token('finance')}`;
  });
  afterAll(async () => {
    await server?.close();
    await store?.close();
    await tearDownWarehouse(adapter, s);
    await adapter.close();
  });

  describe('Cube filters nested deeply or in bulk', () => {
    const leaf = '{"member":"customer.region","operator":"equals","values":["EMEA"]}';
    /** The JSON text of a filter nested `levels` deep (built as text: JSON.stringify would recurse). */
    const nested = (levels: number, key: 'and' | 'or' = 'and'): string => `${`{"${key}":[`.repeat(levels)}${leaf}${']}'.repeat(levels)}`;
    const cubeQuery = (filters: string, extra = ''): string => `{"measures":["sales.revenue"],"dimensions":["customer.region"],"filters":[${filters}]${extra}}`;
    const post = (queryJson: string) =>
      server.app.inject({ method: 'POST', url: '/cubejs-api/v1/load', payload: `{"query":${queryJson}}`, headers: { authorization: auth, 'content-type': 'application/json' } });
    const get = (queryJson: string) => server.app.inject({ method: 'GET', url: `/cubejs-api/v1/load?query=${encodeURIComponent(queryJson)}`, headers: { authorization: auth } });

    for (const levels of [1_000, 100_000]) {
      for (const key of ['and', 'or'] as const) {
        it(`${levels.toLocaleString('en')} levels of '${key}' are a 400, by POST and by GET`, async () => {
          for (const send of [post, get]) {
            const started = performance.now();
            const r = await send(cubeQuery(nested(levels, key)));
            expect(r.statusCode, r.body.slice(0, 300)).toBe(400);
            expect((r.json() as { error: string }).error).toMatch(/filters nest deeper than 16 levels of and\/or/);
            expect(performance.now() - started).toBeLessThan(5_000);
          }
        });
      }
    }

    it('16 levels of and are answered; 17 are refused', async () => {
      const ok = await post(cubeQuery(nested(16)));
      expect(ok.statusCode, ok.body.slice(0, 300)).toBe(200);
      expect((ok.json() as { data: Record<string, unknown>[] }).data.every((row) => row['customer.region'] === 'EMEA')).toBe(true);
      const deep = await get(cubeQuery(nested(17)));
      expect(deep.statusCode).toBe(400);
      expect((deep.json() as { error: string }).error).toMatch(/deeper than 16/);
    });

    it('too many filters or filter values are a 400', async () => {
      const many = await post(cubeQuery(Array.from({ length: 51 }, () => leaf).join(',')));
      expect(many.statusCode).toBe(400);
      expect((many.json() as { error: string }).error).toMatch(/too many filters: at most 50 per query/);
      // One top-level filter, but a wide and: 1 + 5 groups + 5 × 10 leaves = 56 filter objects.
      const wide = await post(cubeQuery(`{"and":[${Array.from({ length: 5 }, () => `{"and":[${Array.from({ length: 10 }, () => leaf).join(',')}]}`).join(',')}]}`));
      expect(wide.statusCode).toBe(400);
      expect((wide.json() as { error: string }).error).toMatch(/too many filters/);
      // 5 filters of 4,001 values each: under the per-filter cap, over the per-query one.
      const values = JSON.stringify(Array.from({ length: 4_001 }, (_, i) => `v${i}`));
      const manyValues = await post(cubeQuery(Array.from({ length: 5 }, () => `{"member":"customer.region","operator":"equals","values":${values}}`).join(',')));
      expect(manyValues.statusCode).toBe(400);
      expect((manyValues.json() as { error: string }).error).toMatch(/too many filter values: at most 20000/);
      const wideIn = await get(cubeQuery(`{"member":"customer.region","operator":"equals","values":${JSON.stringify(Array.from({ length: 5_001 }, (_, i) => `v${i}`))}}`));
      expect(wideIn.statusCode).toBe(400);
      expect((wideIn.json() as { error: string }).error).toMatch(/too many values in one filter: at most 5000/);
    });

    it('an unknown time zone and compact responses are refused, not ignored; offset, total and IANA zones are honoured', async () => {
      const cases: [string, RegExp][] = [
        [',"timezone":"Mars/Olympus"', /unknown time zone 'Mars\/Olympus'/],
        [',"timezone":"+03:00"', /unknown time zone '\+03:00'/],
        [',"responseFormat":"compact"', /responseFormat 'compact' is not supported/],
        [',"offset":-1', /offset/],
      ];
      for (const [extra, message] of cases) {
        for (const send of [post, get]) {
          const r = await send(cubeQuery(leaf, extra));
          expect(r.statusCode, extra).toBe(400);
          expect((r.json() as { error: string }).error).toMatch(message);
          expect(r.body).not.toMatch(DB_TEXT);
        }
      }
      for (const extra of [',"offset":0', ',"offset":1', ',"total":false', ',"total":true', ',"timezone":"UTC"', ',"timezone":"Etc/UTC"', ',"timezone":"America/New_York"']) {
        const r = await post(cubeQuery(leaf, extra));
        expect(r.statusCode, `${extra}: ${r.body.slice(0, 200)}`).toBe(200);
      }
    });

    it("Cube members named after Object.prototype are unknown members, not a 500", async () => {
      for (const m of ['sales.constructor', 'constructor', '__proto__', 'sales.toString', 'hasOwnProperty']) {
        const r = await post(`{"measures":[${JSON.stringify(m)}]}`);
        expect(r.statusCode, m).toBe(400);
        expect((r.json() as { error: string }).error).toContain(`unknown measure '${m}'`);
      }
    });
  });

  describe('fuzzing the feature routes', () => {
    const RUNS = 2_000;
    it(`${RUNS} random feature requests: no 5xx, no database text`, async () => {
      const sales = `Bearer ${await token('sales', { region: 'EMEA' })}`;
      const name = fc.oneof(fc.constantFrom('fv', 'fv:a', 'fv:b', 'a', 'svc', 'constructor', '__proto__', 'fv:__proto__', "fv:a'; drop table x; --", 'fv:a,fv:b', ''), fc.string({ maxLength: 10 }));
      const value = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constantFrom(ts(4), '2024-02-30', 'not a date', null, 1e308, -0), fc.boolean(), fc.object({ maxDepth: 1 }));
      const entity = fc.dictionary(fc.oneof(fc.constantFrom('k', 'event_timestamp', 'ts', '__proto__', 'constructor'), fc.string({ maxLength: 6 })), value, { maxKeys: 3 });
      const body = fc.record(
        {
          features: fc.oneof(name, fc.array(name, { maxLength: 3 }), value),
          entities: fc.oneof(fc.array(entity, { maxLength: 4 }), value),
          timestamp_column: fc.oneof(fc.constantFrom('event_timestamp', 'k', 'missing'), fc.string({ maxLength: 6 })),
          training_set: name,
          full_feature_names: fc.oneof(fc.boolean(), value),
        },
        { requiredKeys: [] },
      );
      // Mostly well-formed requests too, so that many reach the database.
      const plausible = fc.record({
        features: fc.oneof(fc.constantFrom('fv:a', 'fv:b'), fc.constant(['fv:a', 'fv:b'])),
        entities: fc.array(fc.record({ k: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom('1', "1' or '1'='1", null)), event_timestamp: fc.oneof(fc.constant(ts(4)), value) }), { minLength: 1, maxLength: 3 }),
      });
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('/api/v1/features/online', '/api/v1/features/training-set'), fc.oneof(body, plausible), fc.boolean(), async (url, payload, asSales) => {
          const r = await server.app.inject({ method: 'POST', url, headers: { authorization: asSales ? sales : auth, 'content-type': 'application/json' }, payload: JSON.stringify(payload) ?? 'null' });
          statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
          if (r.statusCode >= 500 || DB_TEXT.test(r.body)) throw new Error(`${r.statusCode} ${r.body.slice(0, 300)} for ${url} ${JSON.stringify(payload).slice(0, 300)}`);
          // The sales role has a row filter and no feature grant: never any feature values.
          if (asSales) expect(r.statusCode).toBeGreaterThanOrEqual(400);
        }),
        { numRuns: RUNS },
      );
      console.log('feature fuzz statuses', Object.fromEntries(statuses));
      expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    }, 120_000);
  });

  describe('feature names that are Object.prototype properties', () => {
    const online = (payload: unknown) => server.app.inject({ method: 'POST', url: '/api/v1/features/online', headers: { authorization: auth }, payload: payload as Record<string, unknown> });
    const training = (payload: unknown) => server.app.inject({ method: 'POST', url: '/api/v1/features/training-set', headers: { authorization: auth }, payload: payload as Record<string, unknown> });

    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      it(`'${name}' is an unknown service, view, feature or training set (400)`, async () => {
        const specs = [name, `${name}:a`, `fv:${name}`, [name], [`fv:${name}`]];
        for (const features of specs) {
          for (const send of [online, training]) {
            const r = await send({ features, entities: [{ k: 1, event_timestamp: ts(4) }] });
            expect(r.statusCode, `${JSON.stringify(features)}: ${r.body}`).toBe(400);
            const body = r.json() as ErrorBody;
            expect(body.error.code).toBe('invalid_request');
            expect(body.error.message).toContain(name);
            expect(body.error.diagnostics?.[0]?.code).toBe('unknown-feature');
          }
        }
        const ts1 = await online({ features: 'fv:a', entities: [{ k: 1 }], training_set: name });
        expect(ts1.statusCode).toBe(400);
        expect((ts1.json() as ErrorBody).error).toMatchObject({ code: 'invalid_request', message: `unknown training set '${name}'` });
      });
    }

    it('a near miss gets a did-you-mean hint', async () => {
      const r = await online({ features: 'fw:a', entities: [{ k: 1 }] });
      expect(r.statusCode).toBe(400);
      expect((r.json() as ErrorBody).error.diagnostics?.[0]?.hint).toBe("did you mean 'fv'?");
    });

    it('a __proto__ key in the JSON body is refused by the parser (400)', async () => {
      const r = await server.app.inject({
        method: 'POST',
        url: '/api/v1/features/online',
        headers: { authorization: auth, 'content-type': 'application/json' },
        payload: '{"features":"fv:a","entities":[{"k":1,"__proto__":{"polluted":true}}]}',
      });
      expect(r.statusCode).toBe(400);
      expect((r.json() as ErrorBody).error.code).toBe('bad_request');
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });

    it('entity column names that cannot be identifiers are a 400', async () => {
      for (const column of ['', 'x'.repeat(64), 'a\u0000b', 'new\nline']) {
        const r = await training({ features: 'fv:a', entities: [{ k: 1, event_timestamp: ts(4), [column]: 1 }] });
        expect(r.statusCode, JSON.stringify(column)).toBe(400);
        expect((r.json() as ErrorBody).error.code).toBe('invalid_request');
      }
    });
  });

  describe('training-set timestamp column', () => {
    const training = (payload: unknown) => server.app.inject({ method: 'POST', url: '/api/v1/features/training-set', headers: { authorization: auth }, payload: payload as Record<string, unknown> });
    const entities = [{ k: 1, event_timestamp: ts(4), label: 'x', score: 1.5, flag: true }];

    it('a column that is not a timestamp or date is a 400 naming the column and its type', async () => {
      for (const [column, type] of [['k', 'integer'], ['score', 'numeric'], ['flag', 'boolean']] as const) {
        const r = await training({ features: 'fv:a', entities, timestamp_column: column });
        expect(r.statusCode, r.body).toBe(400);
        const body = r.json() as ErrorBody;
        expect(body.error.code).toBe('invalid_request');
        expect(body.error.message).toBe(`the entity timestamp column '${column}' is ${type}, not a timestamp or date`);
        expect(body.error.diagnostics?.[0]).toMatchObject({ code: 'entities-invalid' });
        expect(r.body).not.toMatch(DB_TEXT);
      }
    });

    it('a text column whose values are not timestamps is a 400 without database text', async () => {
      const r = await training({ features: 'fv:a', entities, timestamp_column: 'label' });
      expect(r.statusCode).toBe(400);
      expect((r.json() as ErrorBody).error.code).toBe('invalid_value');
      expect(r.body).not.toMatch(DB_TEXT);
    });

    it('a column that does not exist is a 400 naming it', async () => {
      const r = await training({ features: 'fv:a', entities, timestamp_column: 'nope' });
      expect(r.statusCode).toBe(400);
      const body = r.json() as ErrorBody;
      expect(body.error.code).toBe('invalid_request');
      expect(body.error.message).toBe("the entity input has no column 'nope'");
    });

    it('a valid timestamp column is still answered', async () => {
      const r = await training({ features: 'fv:a', entities: [{ k: 1, sampled_at: ts(4) }], timestamp_column: 'sampled_at' });
      expect(r.statusCode, r.body).toBe(200);
      expect((r.json() as { rows: Record<string, unknown>[] }).rows).toEqual([{ k: 1, sampled_at: ts(4), fv__a: 10 }]);
    });
  });

  describe('a renamed or dropped feature table', () => {
    const training = () =>
      server.app.inject({ method: 'POST', url: '/api/v1/features/training-set', headers: { authorization: auth }, payload: { features: 'fv:a', entities: [{ k: 1, event_timestamp: ts(4) }] } });

    it('renamed: training sets answer 503 feature_table_missing in our words, then work again', async () => {
      await adapter.query(`alter table "${s}".feat rename to feat_renamed`);
      try {
        const r = await training();
        expect(r.statusCode).toBe(503);
        const body = r.json() as ErrorBody;
        expect(body.error.code).toBe('feature_table_missing');
        expect(body.error.message).toMatch(/^feature view 'fv' cannot be served: its table is missing or was renamed; run `strata build`/);
        expect(body.error.message).toContain(body.error.request_id);
        expect(r.headers['retry-after']).toBe('1');
        expect(r.body).not.toMatch(DB_TEXT);
        expect(r.body).not.toContain('feat_renamed');
        expect(r.body).not.toContain(s);
      } finally {
        await adapter.query(`alter table "${s}".feat_renamed rename to feat`);
      }
      expect((await training()).statusCode).toBe(200);
    });

    it('a renamed feature column: 503 feature_table_invalid, no column list', async () => {
      await adapter.query(`alter table "${s}".feat rename column a to a_renamed`);
      try {
        const r = await training();
        expect(r.statusCode).toBe(503);
        expect((r.json() as ErrorBody).error.code).toBe('feature_table_invalid');
        expect(r.body).not.toMatch(DB_TEXT);
        expect(r.body).not.toContain('a_renamed');
      } finally {
        await adapter.query(`alter table "${s}".feat rename column a_renamed to a`);
      }
    });

    it('the PostgreSQL online table dropped: 503 feature_table_missing once, then re-created', async () => {
      await adapter.query(`drop table "${s}".strata_online_features`);
      const ask = () => server.app.inject({ method: 'POST', url: '/api/v1/features/online', headers: { authorization: auth }, payload: { features: 'fv:a', entities: [{ k: 4 }] } });
      const r = await ask();
      expect(r.statusCode).toBe(503);
      expect((r.json() as ErrorBody).error.code).toBe('feature_table_missing');
      expect(r.body).not.toMatch(DB_TEXT);
      const again = await ask();
      expect(again.statusCode).toBe(200);
      expect((again.json() as { results: { values: Record<string, { status: string }> }[] }).results[0]!.values['fv__a']!.status).toBe('missing');
      await materialize(adapter, store, registry, { asOf: new Date() });
      expect(await store.health()).toBe('ok');
    });
  });

  describe.runIf(redisUrl && hasRedisServer)('Redis going away', () => {
    let port: number;
    let redis: ChildProcess | undefined;
    let redisStore: RedisOnlineStore;
    let cache: RedisCache;
    let srv: StrataServer;
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    let consoleErrors: ReturnType<typeof vi.spyOn>;
    let consoleWarns: ReturnType<typeof vi.spyOn>;
    const timings: Record<string, number[]> = {};

    const startRedis = async (): Promise<void> => {
      redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      const until = Date.now() + 10_000;
      while (!(await pong(port))) {
        if (Date.now() > until) throw new Error(`redis-server on port ${port} did not start`);
        await sleep(50);
      }
    };
    const stopRedis = async (): Promise<void> => {
      const child = redis;
      redis = undefined;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // SIGTERM: redis-server shuts down (nothing to save: --save ''). SIGCONT first, in case a
      // failed test left it frozen; SIGKILL if it has not gone after 2 s.
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(force);
    };
    /** If the worker exits without afterAll (a timeout, Ctrl-C), the server must not outlive it. */
    const killOnExit = (): void => {
      if (redis?.exitCode === null) redis.kill('SIGKILL');
    };
    const online = () => srv.app.inject({ method: 'POST', url: '/api/v1/features/online', headers: { authorization: auth }, payload: { features: 'fv:a', entities: [{ k: 4 }] } });
    const timed = async (label: string) => {
      const started = performance.now();
      const r = await online();
      const ms = performance.now() - started;
      (timings[label] ??= []).push(Math.round(ms));
      return { r, ms };
    };
    const expectUnavailable = (r: Awaited<ReturnType<typeof online>>, ms: number): void => {
      expect(r.statusCode, r.body).toBe(503);
      const body = r.json() as ErrorBody;
      expect(body.error.code).toBe('online_store_unavailable');
      expect(body.error.message).toMatch(/^the redis online store is unavailable; retry shortly \(request /);
      expect(r.headers['retry-after']).toBe('1');
      expect(r.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|timed out|Stream isn't writeable/);
      expect(ms).toBeLessThan(1_500);
    };

    beforeAll(async () => {
      port = await freePort();
      process.on('exit', killOnExit);
      await startRedis();
      process.on('unhandledRejection', onUnhandled);
      process.on('uncaughtException', onUnhandled);
      const url = `redis://127.0.0.1:${port}/0`;
      redisStore = new RedisOnlineStore(url, `test.${s}`);
      cache = new RedisCache(url, () => undefined, `strata-test:${s}:`);
      await cache.ready();
      await materialize(adapter, redisStore, registry, { asOf: new Date() });
      srv = await startServer(layer, adapter, s, { features: { registry, store: redisStore }, cache });
    });
    beforeEach(() => {
      consoleErrors = vi.spyOn(console, 'error');
      consoleWarns = vi.spyOn(console, 'warn');
    });
    afterEach(() => {
      // ioredis prints "[ioredis] Unhandled error event" through console.error when a client has no listener.
      const printed = [...consoleErrors.mock.calls, ...consoleWarns.mock.calls].map((c) => c.map(String).join(' '));
      consoleErrors.mockRestore();
      consoleWarns.mockRestore();
      expect(printed.filter((line) => /ioredis|Unhandled error event/i.test(line))).toEqual([]);
      expect(unhandled).toEqual([]);
    });
    afterAll(async () => {
      await srv?.close().catch(() => undefined);
      await redisStore?.close().catch(() => undefined);
      await stopRedis();
      process.off('exit', killOnExit);
      process.off('unhandledRejection', onUnhandled);
      process.off('uncaughtException', onUnhandled);
      console.log('redis outage timings (ms)', JSON.stringify(timings));
    });

    it('up: online values are served and every health check is ok', async () => {
      const { r } = await timed('up');
      expect(r.statusCode, r.body).toBe(200);
      expect((r.json() as { results: { values: Record<string, { value: unknown }> }[] }).results[0]!.values['fv__a']!.value).toBe(40);
      expect(await redisStore.health()).toBe('ok');
      expect(await cache.health()).toBe('ok');
      const h = await srv.app.inject({ method: 'GET', url: '/health' });
      expect(h.json()).toMatchObject({ status: 'ok', online_store: 'ok', shared_cache: 'ok' });
    });

    it('down: /features/online answers 503 online_store_unavailable with Retry-After within 1.5 s; the result cache is a miss', async () => {
      await stopRedis();
      for (let i = 0; i < 5; i++) {
        const { r, ms } = await timed('down');
        expectUnavailable(r, ms);
      }
      const started = performance.now();
      expect(await redisStore.health()).toBe('unavailable');
      expect(await cache.health()).toBe('unavailable');
      (timings['health down'] ??= []).push(Math.round(performance.now() - started));
      expect(performance.now() - started).toBeLessThan(2_500);
      // /health says so (degraded, 200: the database still answers metric queries).
      const h = await srv.app.inject({ method: 'GET', url: '/health' });
      expect([h.statusCode, h.json().status, h.json().online_store, h.json().shared_cache]).toEqual([200, 'degraded', 'unavailable', 'unavailable']);
      // Metric queries keep working over a dead result cache (fails open: a miss).
      const q = await srv.app.inject({ method: 'POST', url: '/api/v1/query', payload: { metrics: ['units'] }, headers: { authorization: auth } });
      expect(q.statusCode, q.body).toBe(200);
      expect((q.json() as { meta: { cache: string } }).meta.cache).toBe('miss');
    });

    it('back: service resumes within a few seconds of Redis restarting', async () => {
      await startRedis();
      const started = performance.now();
      let status = 0;
      while (performance.now() - started < 5_000) {
        status = (await online()).statusCode;
        if (status === 200) break;
        await sleep(50);
      }
      (timings['recovery'] ??= []).push(Math.round(performance.now() - started));
      expect(status).toBe(200);
      // The restarted server is empty: values come back once materialized again.
      await materialize(adapter, redisStore, registry, { asOf: new Date() });
      const { r } = await timed('up again');
      expect((r.json() as { results: { values: Record<string, { value: unknown }> }[] }).results[0]!.values['fv__a']!.value).toBe(40);
      expect(await redisStore.health()).toBe('ok');
      const until = performance.now() + 5_000;
      while ((await cache.health()) !== 'ok' && performance.now() < until) await sleep(50);
      expect(await cache.health()).toBe('ok');
    });

    it('frozen (accepts connections, never answers): 503 within 1.5 s, then served again', async () => {
      const pid = redis!.pid!;
      process.kill(pid, 'SIGSTOP');
      try {
        for (let i = 0; i < 3; i++) {
          const { r, ms } = await timed('frozen');
          expectUnavailable(r, ms);
        }
        const started = performance.now();
        expect(await redisStore.health()).toBe('unavailable');
        expect(performance.now() - started).toBeLessThan(1_500);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      const started = performance.now();
      let status = 0;
      while (performance.now() - started < 5_000) {
        status = (await online()).statusCode;
        if (status === 200) break;
        await sleep(50);
      }
      expect(status).toBe(200);
    });

    it('a store pointed at a closed port answers 503 at once and logs nothing to the console', async () => {
      const dead = new RedisOnlineStore(`redis://127.0.0.1:${await freePort()}/0`, `test.${s}`);
      const deadSrv = await startServer(layer, adapter, s, { features: { registry, store: dead } });
      try {
        for (let i = 0; i < 3; i++) {
          const started = performance.now();
          const r = await deadSrv.app.inject({ method: 'POST', url: '/api/v1/features/online', headers: { authorization: auth }, payload: { features: 'fv:a', entities: [{ k: 4 }] } });
          const ms = performance.now() - started;
          (timings['closed port'] ??= []).push(Math.round(ms));
          expectUnavailable(r, ms);
        }
        expect(await dead.health()).toBe('unavailable');
        // Give the client time to fail a few reconnection attempts (each one an 'error' event).
        await sleep(500);
      } finally {
        await deadSrv.close();
        await dead.close();
      }
    });
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const p = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(p));
    });
  });
}

/** True when a Redis on `port` answers PING (no client library: plain RESP over a socket). */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}
