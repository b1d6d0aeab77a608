// Feature-store benchmark (issue 8) on PostgreSQL + Redis, through dist/features:
//  - training set: ENTITY_ROWS entity rows against FEATURE_ROWS feature rows (1M x 10M by default),
//    LATERAL (Strata) vs join + ROW_NUMBER() vs correlated subqueries; identical results (sha256 of
//    the streamed rows); wall time and peak Node RSS of each.
//  - materialize all entities to Redis, then 1% changed entities incrementally.
//  - online reads through getOnlineFeatures (store level): 1 entity x 20 features at 2,000 req/s
//    and 100 entities per request, with Redis's own HMGET latency as the floor.
// Usage: node bench/features.js [ENTITY_ROWS] [FEATURE_ROWS]   (STRATA_DIST=<dir> to use another build)
import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DATABASE_URL } from './db.js';
import { ROOT } from './lib.js';

const SCHEMA = 'bench_features';
const REDIS_URL = process.env.STRATA_BENCH_REDIS_URL ?? process.env.STRATA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const DIST = process.env.STRATA_DIST ?? join(ROOT, 'dist');
const load = (p) => import(pathToFileURL(join(DIST, p)).href);

function targetFromUrl(url) {
  const u = new URL(url);
  return {
    type: 'postgres', name: 'bench', profileName: 'bench', host: u.hostname, port: Number(u.port || 5432),
    user: decodeURIComponent(u.username) || 'postgres', ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    dbname: u.pathname.slice(1) || 'postgres', schema: SCHEMA, threads: 2, origin: 'bench',
  };
}

/** Peak RSS while `fn` runs (sampled every 20 ms). */
async function peak(fn) {
  let max = process.memoryUsage().rss;
  const t = setInterval(() => (max = Math.max(max, process.memoryUsage().rss)), 20);
  const started = performance.now();
  try {
    const value = await fn();
    return { value, ms: performance.now() - started, rssMb: Math.max(max, process.memoryUsage().rss) / 1048576 };
  } finally {
    clearInterval(t);
  }
}

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Open-loop load: `rate` requests/s for `n` requests; latency of each. */
async function atRate(n, rate, fn) {
  const lat = [];
  const inflight = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    inflight.push(fn(i).then(() => lat.push(performance.now() - t0)));
    if (inflight.length > 256) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
  return { p50: pct(lat, 50), p99: pct(lat, 99), rps: n / ((performance.now() - started) / 1000) };
}

function registryYaml() {
  const list = (names) => names.map((f) => `      - { name: ${f}, type: float64 }`).join('\n');
  return `
entities:
  - { name: customer, join_keys: [customer_id] }
feature_views:
  - name: cf
    entity: customer
    source: ${SCHEMA}.feat
    timestamp: ts
    ttl: 30d
    features:
${list(['f1', 'f2', 'f3', 'f4', 'f5'])}
  - name: wide
    entity: customer
    source: ${SCHEMA}.feat20
    timestamp: ts
    ttl: 3650d
    features:
${list(Array.from({ length: 20 }, (_, i) => `g${i + 1}`))}
`;
}

export async function benchFeatures(entityRows = 1_000_000, featureRows = 10_000_000) {
  const { openAdapter } = await load('adapters/index.js');
  const F = await load('features/index.js');
  const db = await openAdapter(targetFromUrl(DATABASE_URL));
  const customers = Math.max(1, Math.floor(featureRows / 10));
  const out = { entityRows, featureRows, customers };
  try {
    await db.query(`drop schema if exists ${SCHEMA} cascade`);
    await db.query(`create schema ${SCHEMA}`);
    let t = performance.now();
    // 10 rows per customer, 9 days apart with a per-customer phase; 5 float features.
    await db.query(`create table ${SCHEMA}.feat as
      select c as customer_id, timestamp '2024-01-01' + ((j * 9 + c % 7) || ' days')::interval + ((c % 24) || ' hours')::interval as ts,
        (c % 100)::float8 + j as f1, (c * j % 37)::float8 as f2, j::float8 / 3 as f3, (c % 13)::float8 as f4, ((c + j) % 5)::float8 as f5
      from generate_series(1, ${customers}) c, generate_series(0, 9) j`);
    await db.query(`create unique index on ${SCHEMA}.feat (customer_id, ts)`);
    await db.query(`create index on ${SCHEMA}.feat (ts)`);
    await db.query(`create table ${SCHEMA}.entities as
      select (1 + (i::bigint * 7919) % ${customers})::int as customer_id,
        timestamp '2024-01-01' + ((i * 37) % (95 * 24 * 60) || ' minutes')::interval as event_timestamp, (i % 2) as label
      from generate_series(1, ${entityRows}) i`);
    await db.query(`create table ${SCHEMA}.feat20 as select c as customer_id, timestamp '2024-06-01' as ts,
      ${Array.from({ length: 20 }, (_, i) => `(c % ${i + 7})::float8 as g${i + 1}`).join(', ')} from generate_series(1, 100000) c`);
    await db.query(`create unique index on ${SCHEMA}.feat20 (customer_id, ts)`);
    await db.query(`analyze ${SCHEMA}.feat`);
    await db.query(`analyze ${SCHEMA}.entities`);
    await db.query(`analyze ${SCHEMA}.feat20`);
    out.loadMs = performance.now() - t;

    const { registry } = F.loadFeatureRegistry([{ file: 'bench.yml', text: registryYaml() }], { namespace: `bench.${SCHEMA}`, resolveRef: () => undefined, refNames: [] });
    if (!registry) throw new Error('bench registry invalid');

    // --- training sets ---------------------------------------------------------------------
    out.training = {};
    for (const approach of ['lateral', 'row_number', 'correlated']) {
      const hash = createHash('sha256');
      const r = await peak(() =>
        F.buildTrainingSet(db, registry, { entities: { kind: 'table', relation: `"${SCHEMA}"."entities"` }, features: 'cf', approach, profile: false }, {
          kind: 'rows', batchSize: 10000,
          onBatch: (rows) => {
            for (const row of rows) hash.update(Object.values(row).join('\u0001') + '\n');
          },
        }),
      );
      out.training[approach] = { ms: r.ms, rssMb: r.rssMb, rows: r.value.rows, sha: hash.digest('hex').slice(0, 16) };
    }

    // --- materialization to Redis ----------------------------------------------------------
    const store = new F.RedisOnlineStore(REDIS_URL, `bench.${SCHEMA}`);
    try {
      await store.client.eval("for _,k in ipairs(redis.call('keys', ARGV[1])) do redis.call('del', k) end return 1", 0, `strata:bench.${SCHEMA}:*`);
      const asOf = new Date('2024-04-15T00:00:00Z');
      const full = await peak(() => F.materialize(db, store, registry, { views: ['cf'], asOf }));
      out.materialize = { entities: full.value[0].entities, ms: full.ms, rssMb: full.rssMb };
      // 1% of customers get a new row after the watermark.
      await db.query(`insert into ${SCHEMA}.feat select customer_id, timestamp '2024-04-15 12:00', f1 + 1, f2, f3, f4, f5
        from ${SCHEMA}.feat where ts = (select min(ts) from ${SCHEMA}.feat f2 where f2.customer_id = feat.customer_id) and customer_id % 100 = 0`);
      await db.query(`analyze ${SCHEMA}.feat`);
      const inc = await peak(() => F.materialize(db, store, registry, { views: ['cf'], asOf: new Date('2024-04-16T00:00:00Z'), incremental: true }));
      out.incremental = { entities: inc.value[0].entities, ms: inc.ms };

      // --- online reads ----------------------------------------------------------------------
      await F.materialize(db, store, registry, { views: ['wide'], asOf: new Date('2024-06-02T00:00:00Z') });
      const now = new Date('2024-06-02T00:00:00Z');
      const one = (i) => F.getOnlineFeatures(store, registry, { features: 'wide', entities: [{ customer_id: 1 + ((i * 7919) % 100000) }], now });
      for (let i = 0; i < 2000; i++) await one(i); // warm-up
      out.online1 = await atRate(20000, 2000, one);
      const hundred = (i) => F.getOnlineFeatures(store, registry, { features: 'wide', entities: Array.from({ length: 100 }, (_, j) => ({ customer_id: 1 + ((i * 100 + j) % 100000) })), now });
      out.online100 = await atRate(2000, 200, hundred);
      // Through the HTTP API: a real listening server (fastify, dev auth) on loopback.
      out.http = await onlineOverHttp(db, store, registry);
      const raw = (i) => store.client.hmget(`strata:bench.${SCHEMA}:wide:${1 + ((i * 7919) % 100000)}`, "__ts", "__v");
      out.hmget = await atRate(20000, 2000, raw);
      await store.client.eval("for _,k in ipairs(redis.call('keys', ARGV[1])) do redis.call('del', k) end return 1", 0, `strata:bench.${SCHEMA}:*`);
    } finally {
      await store.close();
    }
    await db.query(`drop schema if exists ${SCHEMA} cascade`);
  } finally {
    await db.close();
  }
  return out;
}

/** POST /api/v1/features/online through a real server: 1 entity at 2,000 req/s, 100 entities at 200 req/s. */
async function onlineOverHttp(db, store, registry) {
  const S = await load('server/index.js');
  const { initSqlParser, loadSemanticLayer } = await load('semantic/index.js');
  await initSqlParser();
  const { layer } = loadSemanticLayer(
    [{ file: 'bench.yml', text: `semantic_models:\n  - name: feat\n    table: ${SCHEMA}.feat\n    measures: [{ name: rows, agg: count }]\nmetrics:\n  - { name: rows, type: simple, measure: feat.rows }\n` }],
    { resolveRef: () => undefined, refNames: [] },
  );
  const server = await S.createServer({ layer, adapter: db, auth: { devRole: 'bench' }, stateRefreshMs: 0, metaSchema: `${SCHEMA}_meta`, features: { registry, store }, limits: { maxConcurrent: 512, maxPerRole: 512 } });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const port = server.app.server.address().port;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const post = (body) =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/features/online', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(String(res.statusCode)))));
      });
      req.on('error', reject);
      req.end(payload);
    });
  try {
    const one = (i) => post({ features: 'wide', entities: [{ customer_id: 1 + ((i * 7919) % 100000) }] });
    for (let i = 0; i < 2000; i++) await one(i); // warm-up
    const r1 = await atRate(20000, 2000, one);
    const hundred = (i) => post({ features: 'wide', entities: Array.from({ length: 100 }, (_, j) => ({ customer_id: 1 + ((i * 100 + j) % 100000) })) });
    for (let i = 0; i < 100; i++) await hundred(i);
    const r100 = await atRate(2000, 200, hundred);
    return { one: r1, hundred: r100 };
  } finally {
    agent.destroy();
    await server.close();
  }
}

export function formatFeatures(r) {
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const tr = r.training;
  const same = tr.lateral.sha === tr.row_number.sha && tr.lateral.sha === tr.correlated.sha;
  return [
    `features: training set ${r.entityRows.toLocaleString('en')} entity rows x ${r.featureRows.toLocaleString('en')} feature rows (PostgreSQL, cursor-streamed to Node):`,
    ...['lateral', 'row_number', 'correlated'].map((a) => `  ${a.padEnd(10)} ${s(tr[a].ms).padStart(8)}  peak RSS ${tr[a].rssMb.toFixed(0)} MB  ${tr[a].rows} rows  sha ${tr[a].sha}`),
    `  LATERAL is ${(tr.row_number.ms / tr.lateral.ms).toFixed(1)}x faster than ROW_NUMBER, ${(tr.correlated.ms / tr.lateral.ms).toFixed(1)}x faster than correlated; results ${same ? 'identical' : 'DIFFER'}`,
    `features: materialize ${r.materialize.entities.toLocaleString('en')} entities to Redis ${s(r.materialize.ms)} (peak RSS ${r.materialize.rssMb.toFixed(0)} MB); ` +
      `incremental ${r.incremental.entities.toLocaleString('en')} changed ${s(r.incremental.ms)} (${(r.materialize.ms / r.incremental.ms).toFixed(0)}x faster)`,
    `features: online (store level, Redis) 1 entity x 20 features at ${r.online1.rps.toFixed(0)} req/s p50 ${r.online1.p50.toFixed(2)} ms p99 ${r.online1.p99.toFixed(2)} ms; ` +
      `100 entities/request p50 ${r.online100.p50.toFixed(2)} ms p99 ${r.online100.p99.toFixed(2)} ms; raw HMGET floor p50 ${r.hmget.p50.toFixed(2)} ms p99 ${r.hmget.p99.toFixed(2)} ms`,
    ...(r.http
      ? [
          `features: online over HTTP (strata serve, loopback) 1 entity x 20 features at ${r.http.one.rps.toFixed(0)} req/s p50 ${r.http.one.p50.toFixed(2)} ms p99 ${r.http.one.p99.toFixed(2)} ms; ` +
            `100 entities/request at ${r.http.hundred.rps.toFixed(0)} req/s p50 ${r.http.hundred.p50.toFixed(2)} ms p99 ${r.http.hundred.p99.toFixed(2)} ms`,
        ]
      : []),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [e, f] = process.argv.slice(2).map(Number);
  console.log(formatFeatures(await benchFeatures(e || undefined, f || undefined)));
}
