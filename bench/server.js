// bench/server: the metric API (issue 7) against PostgreSQL with a 2,000,000-row fact table.
// Query mix: revenue by region; monthly revenue for a segment in 2024; top-10 subcategories;
// unique customers by quarter x region; plus cheap dimension-table queries (< 5 ms in
// PostgreSQL) that make the server's own overhead visible. Concurrency 1 and 50; cache hit,
// cache miss (fact table), rollup hit; and the same SQL sent with pg directly, in the same run.
import { Agent, request } from 'node:http';
import pg from 'pg';
import { openAdapter } from '../dist/adapters/index.js';
import { initSqlParser, loadSemanticLayer, parseMetricQuery, planQuery } from '../dist/semantic/index.js';
import { buildRollups, createServer, LruCache, mintToken, NoCache } from '../dist/server/index.js';

const URL_ = process.env.STRATA_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = Number(process.env.STRATA_BENCH_SERVER_ROWS ?? 2_000_000);
const SECRET = 'bench-secret-bench-secret-bench-secret-42';

const HEAVY = {
  revenue_by_region: { metrics: ['revenue'], dimensions: ['customer.region'] },
  monthly_segment_2024: { metrics: ['revenue'], dimensions: ['sales.sold_at.month'], filters: [{ member: 'customer.segment', op: 'equals', values: ['SMB'] }], time_range: { dimension: 'sales.sold_at', from: '2024-01-01', to: '2024-12-31' } },
  top10_subcategories: { metrics: ['revenue'], dimensions: ['product.subcategory'], order: [{ member: 'revenue', desc: true }], limit: 10 },
  unique_customers_quarter_region: { metrics: ['unique_customers'], dimensions: ['sales.sold_at.quarter', 'customer.region'] },
};
const CHEAP = {
  regions: { dimensions: ['customer.region'] },
  categories_of_region: { dimensions: ['product.category'] },
  customers_in_city: { dimensions: ['customer.city'], filters: [{ member: 'customer.region', op: 'equals', values: ['EMEA'] }], limit: 20 },
};

function yaml(s) {
  return `semantic_models:
  - name: sales
    table: ${s}.fact_sales
    joins:
      - { to: customer, relationship: many_to_one, on: "{sales}.customer_key = {customer}.customer_key" }
      - { to: product, relationship: many_to_one, on: "{sales}.product_key = {product}.product_key" }
    dimensions:
      - { name: sold_at, type: time }
      - { name: channel }
    measures:
      - { name: revenue, agg: sum, expr: amount }
      - { name: unique_customers, agg: count_distinct, expr: customer_key }
    rollups:
      - { name: sales_month, measures: [revenue], dimensions: [customer.region, customer.segment, product.subcategory], time_dimension: sales.sold_at, granularity: month }
      - { name: customers_quarter_region, measures: [unique_customers], dimensions: [customer.region], time_dimension: sales.sold_at, granularity: quarter }
  - name: customer
    table: ${s}.dim_customer
    dimensions: [{ name: region }, { name: segment }, { name: city }]
  - name: product
    table: ${s}.dim_product
    dimensions: [{ name: category }, { name: subcategory }]
metrics:
  - { name: revenue, type: simple, measure: sales.revenue }
  - { name: unique_customers, type: simple, measure: sales.unique_customers }
access:
  roles:
    finance: {}
  default_role: none
`;
}

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))];
}

/** Runs `total` calls of `fn(i)` with `concurrency` in flight; latencies and throughput. */
async function load(concurrency, total, fn) {
  const lat = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        try {
          await fn(i);
        } catch {
          errors++;
        }
        lat.push(performance.now() - t);
      }
    }),
  );
  const wall = (performance.now() - started) / 1000;
  return { p50: pct(lat, 50), p99: pct(lat, 99), rps: total / wall, errors };
}

function post(agent, port, auth, body) {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/query', agent, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export async function benchServer() {
  const u = new URL(URL_);
  const s = `bench_server_${process.pid}`;
  const admin = new pg.Client({ connectionString: URL_ });
  await admin.connect();
  const t0 = performance.now();
  await admin.query(`create schema ${s}`);
  await admin.query(`create table ${s}.dim_customer as select g as customer_key, (array['EMEA','AMER','APAC','LATAM'])[1 + g % 4] as region, (array['SMB','Enterprise','Consumer'])[1 + g % 3] as segment, 'city_' || (g % 200) as city from generate_series(1, 20000) g`);
  await admin.query(`create table ${s}.dim_product as select g as product_key, 'cat_' || (g % 10) as category, 'sub_' || (g % 60) as subcategory from generate_series(1, 1000) g`);
  await admin.query(`create table ${s}.fact_sales as select g as sale_key, 1 + (g * 7919) % 20000 as customer_key, 1 + (g * 104729) % 1000 as product_key, timestamp '2023-01-01' + (g % 730) * interval '1 day' + (g % 86400) * interval '1 second' as sold_at, (array['web','store','mobile'])[1 + g % 3] as channel, ((g * 31) % 10000) / 100.0 as amount from generate_series(1::bigint, ${ROWS}) g`);
  await admin.query(`alter table ${s}.dim_customer add primary key (customer_key)`);
  await admin.query(`alter table ${s}.dim_product add primary key (product_key)`);
  await admin.query(`analyze ${s}.dim_customer; analyze ${s}.dim_product; analyze ${s}.fact_sales`);
  const setupMs = performance.now() - t0;

  await initSqlParser();
  const { layer, diagnostics } = loadSemanticLayer([{ file: 'bench.yml', text: yaml(s) }], { resolveRef: () => undefined, refNames: [] });
  if (!layer) throw new Error(JSON.stringify(diagnostics));
  const target = { type: 'postgres', name: 'bench', profileName: 'bench', host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username) || 'postgres', ...(u.password ? { password: decodeURIComponent(u.password) } : {}), dbname: u.pathname.slice(1), schema: s, threads: 16, origin: 'bench' };
  const adapter = await openAdapter(target);
  const r0 = performance.now();
  const built = await buildRollups(adapter, layer, { schema: s, buildId: 'bench', metaSchema: `${s}_meta` });
  const rollupBuildMs = performance.now() - r0;
  for (const b of built) if (b.error) throw new Error(b.error);

  const auth = await mintToken({ secret: SECRET, role: 'finance' });
  const servers = {};
  const start = async (name, opts) => {
    const srv = await createServer({ layer, adapter, auth: { secret: SECRET }, stateRefreshMs: 0, targetSchema: s, limits: { maxConcurrent: 400, maxPerRole: 400 }, statementTimeoutMs: 120_000, ...opts });
    await srv.app.listen({ port: 0, host: '127.0.0.1' });
    servers[name] = { srv, port: srv.app.server.address().port };
  };
  await start('cached', { cache: new LruCache(10_000), metaSchema: `${s}_meta` });
  await start('rollup', { cache: new NoCache(), metaSchema: `${s}_meta` });
  await start('miss', { cache: new NoCache(), metaSchema: `${s}_nometa` }); // sees no rollups: reads the fact table
  const pool = new pg.Pool({ connectionString: URL_, max: 17 });
  const sqlOf = (q) => planQuery(layer, parseMetricQuery(q));

  const out = [];
  const line = (label, r) => out.push(`  ${label.padEnd(44)} p50 ${r.p50.toFixed(2).padStart(8)} ms  p99 ${r.p99.toFixed(2).padStart(8)} ms  ${r.rps.toFixed(0).padStart(6)} req/s${r.errors ? `  ERRORS ${r.errors}` : ''}`);
  for (const c of [1, 50]) {
    const agent = new Agent({ keepAlive: true, maxSockets: c });
    const mix = [...Object.values(HEAVY), ...Object.values(CHEAP)];
    // Cache hit: the whole mix, warmed.
    for (const q of mix) await post(agent, servers.cached.port, auth, q);
    line(`c=${c} cache hit (whole mix)`, await load(c, c === 1 ? 2000 : 20000, (i) => post(agent, servers.cached.port, auth, mix[i % mix.length])));
    // Cheap dimension-table queries: uncached server vs the same SQL with pg.
    const cheap = Object.values(CHEAP);
    const cheapSql = cheap.map(sqlOf);
    const n = c === 1 ? 600 : 6000;
    line(`c=${c} cheap queries, server cache miss`, await load(c, n, (i) => post(agent, servers.miss.port, auth, cheap[i % cheap.length])));
    line(`c=${c} cheap queries, raw pg (same SQL)`, await load(c, n, (i) => pool.query(cheapSql[i % cheap.length].sql, cheapSql[i % cheap.length].params)));
    // Heavy queries: fact table (miss) vs rollup vs raw pg.
    for (const [name, q] of Object.entries(HEAVY)) {
      const reps = c === 1 ? 5 : 50;
      const plan = sqlOf(q);
      line(`c=${c} ${name}: server miss (fact)`, await load(c, reps, () => post(agent, servers.miss.port, auth, q)));
      line(`c=${c} ${name}: raw pg (same SQL)`, await load(c, reps, () => pool.query(plan.sql, plan.params)));
      const used = JSON.parse(await post(agent, servers.rollup.port, auth, q)).meta.rollup;
      line(`c=${c} ${name}: server rollup hit (${used})`, await load(c, c === 1 ? 200 : 2000, () => post(agent, servers.rollup.port, auth, q)));
    }
    agent.destroy();
  }
  for (const { srv } of Object.values(servers)) await srv.close();
  await pool.end();
  await adapter.close();
  await admin.query(`drop schema ${s} cascade`);
  await admin.query(`drop schema if exists ${s}_meta cascade`);
  await admin.end();
  return { rows: ROWS, setupMs, rollupBuildMs, lines: out };
}

export function formatServer(r) {
  return [`metric API (${r.rows.toLocaleString('en')} fact rows; setup ${(r.setupMs / 1000).toFixed(1)} s, rollups built in ${(r.rollupBuildMs / 1000).toFixed(1)} s):`, ...r.lines].join('\n');
}

/**
 * Fairness and cancellation (issue 14). Role `flood` keeps 16 slow queries (pg_sleep) in flight
 * while role `cheap` sends cheap queries one after another: its p50/p99 through the server (fair
 * per-role queue, limits from the pool) against the naive approach in the same run — the same
 * SQL sent through one shared pool of the same size, first come first served. Then an abandoned
 * request: the time from the client closing its socket until PostgreSQL no longer runs it.
 */
export async function benchFairness({ seconds = 6, slowSeconds = 1, threads = 4 } = {}) {
  const u = new URL(URL_);
  const layerYaml = `semantic_models:
  - name: slow
    sql: "select 1 as x from pg_sleep(${slowSeconds})"
    dimensions: [{ name: x, type: number }]
    measures: [{ name: n, agg: count }]
  - name: stalled
    sql: "select 1 as x from pg_sleep(30)"
    dimensions: [{ name: x, type: number }]
    measures: [{ name: n, agg: count }]
  - name: fast
    sql: "select g as x from generate_series(1, 100) g"
    dimensions: [{ name: x, type: number }]
    measures: [{ name: n, agg: count }]
metrics:
  - { name: slow_n, type: simple, measure: slow.n }
  - { name: stalled_n, type: simple, measure: stalled.n }
  - { name: fast_n, type: simple, measure: fast.n }
`;
  await initSqlParser();
  const { layer } = loadSemanticLayer([{ file: 'fair.yml', text: layerYaml }], { resolveRef: () => undefined, refNames: [] });
  const target = { type: 'postgres', name: 'bench', profileName: 'bench', host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username) || 'postgres', ...(u.password ? { password: decodeURIComponent(u.password) } : {}), dbname: u.pathname.slice(1), schema: 'public', threads, origin: 'bench' };
  const adapter = await openAdapter(target);
  const srv = await createServer({ layer, adapter, auth: { secret: SECRET }, stateRefreshMs: 0, cache: new NoCache(), metaSchema: 'strata_bench_no_meta', limits: { maxConcurrent: 16, maxPerRole: 8, maxQueuedPerRole: 64 }, statementTimeoutMs: 60_000 });
  await srv.app.listen({ port: 0, host: '127.0.0.1' });
  const port = srv.app.server.address().port;
  const flood = await mintToken({ secret: SECRET, role: 'flood' });
  const cheap = await mintToken({ secret: SECRET, role: 'cheap' });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  /** Keeps `n` slow calls in flight while `probe` runs one call after another; probe latencies. */
  const underFlood = async (slowCall, probe) => {
    let stop = false;
    const flooders = Array.from({ length: 16 }, async () => {
      while (!stop) await slowCall().catch(() => new Promise((r) => setTimeout(r, 20)));
    });
    await new Promise((r) => setTimeout(r, 300));
    const lat = [];
    const until = performance.now() + seconds * 1000;
    let i = 0;
    while (performance.now() < until) {
      const t = performance.now();
      await probe(i++);
      lat.push(performance.now() - t);
    }
    stop = true;
    await Promise.all(flooders);
    return { p50: pct(lat, 50), p99: pct(lat, 99), n: lat.length };
  };
  const server = await underFlood(
    () => post(agent, port, flood, { metrics: ['slow_n'] }),
    (i) => post(agent, port, cheap, { metrics: ['fast_n'], limit: 1 + (i % 1000) }),
  );
  const slowSql = planQuery(layer, parseMetricQuery({ metrics: ['slow_n'] }));
  const fastSql = planQuery(layer, parseMetricQuery({ metrics: ['fast_n'] }));
  const shared = new pg.Pool({ connectionString: URL_, max: threads });
  const naive = await underFlood(
    () => shared.query(slowSql.sql, slowSql.params),
    () => shared.query(fastSql.sql, fastSql.params),
  );
  await shared.end();

  // Abandoned request: the client goes away 300 ms into a 30 s query.
  const admin = new pg.Client({ connectionString: URL_ });
  await admin.connect();
  const running = async () => Number((await admin.query(`select count(*) as n from pg_stat_activity where query like '%pg_sleep(30)%' and state = 'active' and pid <> pg_backend_pid()`)).rows[0].n);
  const cancels = [];
  for (let k = 0; k < 5; k++) {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/query', headers: { authorization: `Bearer ${cheap}`, 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ metrics: ['stalled_n'] }));
    while ((await running()) === 0) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300));
    const gone = performance.now();
    req.destroy();
    while ((await running()) > 0) await new Promise((r) => setTimeout(r, 5));
    cancels.push(performance.now() - gone);
  }
  await admin.end();
  agent.destroy();
  await srv.close();
  await adapter.close();
  return { threads, slowSeconds, server, naive, cancelMs: { p50: pct(cancels, 50), max: Math.max(...cancels) } };
}

export function formatFairness(r) {
  const f = (x) => `p50 ${x.p50.toFixed(1)} ms, p99 ${x.p99.toFixed(1)} ms (${x.n} queries)`;
  return [
    `fairness (pool ${r.threads}; another role keeps 16 queries of ${r.slowSeconds}s in flight):`,
    `  cheap role through the server (fair queue)       ${f(r.server)}`,
    `  same SQL through one shared pool (naive FIFO)    ${f(r.naive)}`,
    `  abandoned request cancelled in PostgreSQL after  p50 ${r.cancelMs.p50.toFixed(0)} ms, max ${r.cancelMs.max.toFixed(0)} ms (5 requests)`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(formatFairness(await benchFairness()));
  if (process.env.STRATA_BENCH_FAIRNESS_ONLY !== '1') console.log(formatServer(await benchServer()));
}
