// bench/sql-wire: the PostgreSQL-wire SQL API (issue 16) against the HTTP API of the same server,
// in one run, on PostgreSQL (STRATA_BENCH_DATABASE_URL). The server runs in a child process so its
// memory is measured alone.
// - overhead: the same question through node-postgres (extended protocol) and through HTTP
//   (keep-alive), both answered from the result cache (what remains is protocol work) and both
//   reading the database (cache off);
// - 200 concurrent authenticated connections: the server's extra RSS and heap;
// - connection setup including JWT verification: connect + first ReadyForQuery, sequentially.
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const URL_ = process.env.STRATA_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = 'bench-secret-bench-secret-bench-secret-42';

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))];
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

async function timeSeq(n, fn) {
  const lat = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    lat.push(performance.now() - t);
  }
  return { p50: pct(lat, 50), p99: pct(lat, 99) };
}

/** The server side: a child process running HTTP + SQL on one query service. */
async function serverMain() {
  const { openAdapter } = await import('../dist/adapters/index.js');
  const { initSqlParser, loadSemanticLayer } = await import('../dist/semantic/index.js');
  const { createServer, LruCache, NoCache } = await import('../dist/server/index.js');
  const { createSqlServer } = await import('../dist/server/wire/index.js');
  const s = process.env.BENCH_SCHEMA;
  const u = new URL(URL_);
  await initSqlParser();
  const yaml = `semantic_models:
  - name: sales
    table: ${s}.fact_sales
    joins:
      - { to: customer, relationship: many_to_one, on: "{sales}.customer_key = {customer}.customer_key" }
    dimensions:
      - { name: sold_at, type: time }
      - { name: channel }
    measures:
      - { name: revenue, agg: sum, expr: amount }
  - name: customer
    table: ${s}.dim_customer
    dimensions: [{ name: region }, { name: segment }]
metrics:
  - { name: revenue, type: simple, measure: sales.revenue }
access:
  roles:
    finance: {}
  default_role: none
`;
  const { layer, diagnostics } = loadSemanticLayer([{ file: 'bench.yml', text: yaml }], { resolveRef: () => undefined, refNames: [] });
  if (!layer) throw new Error(JSON.stringify(diagnostics));
  const target = { type: 'postgres', name: 'bench', profileName: 'bench', host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username) || 'postgres', dbname: u.pathname.slice(1), schema: s, threads: 8, origin: 'bench' };
  const adapter = await openAdapter(target);
  const ports = {};
  for (const [name, cache] of [['cached', new LruCache(10_000)], ['nocache', new NoCache()]]) {
    const http = await createServer({ layer, adapter, auth: { secret: SECRET }, stateRefreshMs: 0, targetSchema: s, metaSchema: `${s}_meta`, cache, limits: { maxConcurrent: 8, maxPerRole: 7 } });
    await http.app.listen({ port: 0, host: '127.0.0.1' });
    const sql = await createSqlServer({ layer, service: http.service, authenticate: http.authenticate, database: 'bench', maxRows: 100_000, log: () => undefined });
    const addr = await sql.listen(0, '127.0.0.1');
    ports[name] = { http: http.app.server.address().port, sql: Number(addr.split(':').pop()) };
  }
  process.on('message', (m) => {
    if (m === 'mem') {
      globalThis.gc?.();
      const mu = process.memoryUsage();
      process.send({ rss: mu.rss, heap: mu.heapUsed + mu.external });
    }
    if (m === 'exit') process.exit(0);
  });
  process.send({ ports });
}

export async function benchSqlWire() {
  const s = `bench_sqlwire_${process.pid}`;
  const admin = new pg.Client({ connectionString: URL_ });
  await admin.connect();
  await admin.query(`create schema ${s}`);
  await admin.query(`create table ${s}.dim_customer as select g as customer_key, (array['EMEA','AMER','APAC','LATAM'])[1 + g % 4] as region, (array['SMB','Enterprise','Consumer'])[1 + g % 3] as segment from generate_series(1, 2000) g`);
  await admin.query(`create table ${s}.fact_sales as select g as sale_key, 1 + (g * 7919) % 2000 as customer_key, timestamp '2024-01-01' + (g % 365) * interval '1 day' as sold_at, (array['web','store','mobile'])[1 + g % 3] as channel, ((g * 31) % 10000) / 100.0 as amount from generate_series(1, 20000) g`);
  await admin.query(`alter table ${s}.dim_customer add primary key (customer_key); analyze ${s}.dim_customer; analyze ${s}.fact_sales`);
  const child = fork(fileURLToPath(import.meta.url), ['--server'], { env: { ...process.env, BENCH_SCHEMA: s }, execArgv: ['--expose-gc'] });
  const ask = (msg) => new Promise((resolve) => { child.once('message', resolve); child.send(msg); });
  const { ports } = await new Promise((resolve, reject) => { child.once('message', resolve); child.once('exit', (c) => reject(new Error(`server exited ${c}`))); });
  const { mintToken } = await import('../dist/server/index.js');
  const auth = await mintToken({ secret: SECRET, role: 'finance' });
  const out = ['SQL API over the PostgreSQL protocol vs the HTTP API (same server, same query service):'];
  try {
    const httpQuery = { metrics: ['revenue'], dimensions: ['customer.region'], filters: [{ member: 'sales.channel', op: 'equals', values: ['web'] }] };
    const sqlText = 'select region, aggregate(revenue) from sales where channel = $1 group by 1';
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (const mode of ['cached', 'nocache']) {
      const p = ports[mode];
      const c = new pg.Client({ host: '127.0.0.1', port: p.sql, user: 'bench', password: auth, database: 'bench' });
      await c.connect();
      const n = mode === 'cached' ? 3000 : 400;
      for (let i = 0; i < 50; i++) {
        await post(agent, p.http, auth, httpQuery);
        await c.query(sqlText, ['web']);
      }
      // Interleaved so both see the same machine state.
      const h = [];
      const w = [];
      for (let i = 0; i < n; i++) {
        let t = performance.now();
        await post(agent, p.http, auth, httpQuery);
        h.push(performance.now() - t);
        t = performance.now();
        await c.query({ text: sqlText, values: ['web'] });
        w.push(performance.now() - t);
      }
      await c.end();
      const label = mode === 'cached' ? 'result cache hit' : 'cache off (database each time)';
      out.push(`  ${label.padEnd(32)} HTTP p50 ${pct(h, 50).toFixed(3)} ms p99 ${pct(h, 99).toFixed(3)} ms | SQL p50 ${pct(w, 50).toFixed(3)} ms p99 ${pct(w, 99).toFixed(3)} ms | overhead p50 ${(pct(w, 50) - pct(h, 50)).toFixed(3)} ms`);
    }
    // Connection setup with token verification.
    const setup = await timeSeq(300, async () => {
      const c = new pg.Client({ host: '127.0.0.1', port: ports.cached.sql, user: 'bench', password: auth, database: 'bench' });
      await c.connect();
      await c.end();
    });
    out.push(`  connection setup incl. JWT verification (connect → ReadyForQuery, sequential, 300×): p50 ${setup.p50.toFixed(2)} ms p99 ${setup.p99.toFixed(2)} ms`);
    // 200 concurrent connections held (code paths warmed by 20 connections first; heap measured after a GC).
    for (let i = 0; i < 20; i++) {
      const c = new pg.Client({ host: '127.0.0.1', port: ports.cached.sql, user: 'bench', password: auth, database: 'bench' });
      await c.connect();
      await c.query(sqlText, ['web']);
      await c.end();
    }
    const before = await ask('mem');
    const clients = [];
    for (let i = 0; i < 200; i++) {
      const c = new pg.Client({ host: '127.0.0.1', port: ports.cached.sql, user: 'bench', password: auth, database: 'bench' });
      clients.push(c.connect().then(() => c.query(sqlText, ['web'])).then(() => c));
    }
    const open = await Promise.all(clients);
    const after = await ask('mem');
    out.push(`  200 concurrent connections (each ran one query): server RSS +${((after.rss - before.rss) / 1e6).toFixed(1)} MB, heap+external +${((after.heap - before.heap) / 1e6).toFixed(1)} MB`);
    await Promise.all(open.map((c) => c.end()));
  } finally {
    child.send('exit');
    await admin.query(`drop schema if exists ${s} cascade`);
    await admin.end();
  }
  return out.join('\n');
}

if (process.argv.includes('--server')) {
  await serverMain();
} else if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchSqlWire());
}
