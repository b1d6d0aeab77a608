import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { loadSemanticLayer, type SemanticLayer } from '../../../src/semantic/index.js';
import type { StrataServer } from '../../../src/server/index.js';
import { createSqlServer, scramVerifier, type SqlServer } from '../../../src/server/wire/index.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';
import { serverSemanticYaml, setUpWarehouse, startServer, tearDownWarehouse, token, uniqueSchema } from './fixture.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, '../../fixtures/sql-clients');
const API_KEY = 'bi-tool-key-that-is-long-enough';

/** A real client must be there in CI (the Debian packages .ci/run installs); locally it may be absent. */
function client(name: string, present: boolean): boolean {
  if (!present && process.env['CI'] === 'true') throw new Error(`${name} is not installed: .ci/run installs it`);
  return present;
}
const hasPsql = client('psql', existsSync('/usr/bin/psql'));
const hasPython = (mod: string): boolean => {
  try {
    require('node:child_process').execFileSync('/usr/bin/python3', ['-c', `import ${mod}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const hasPsycopg2 = client('python3-psycopg2', hasPython('psycopg2'));
const hasPsycopg = client('python3-psycopg', hasPython('psycopg'));
const JDBC = '/usr/share/java/postgresql.jar';
const hasJdbc = client('libpostgresql-jdbc-java', existsSync(JDBC) && existsSync('/usr/bin/java'));

/** The server fixture's layer plus a deliberately slow model (for cancel). */
function layerWithSlowModel(s: string): SemanticLayer {
  const yaml = serverSemanticYaml(s).replace(
    'semantic_models:\n',
    `semantic_models:
  - name: slow
    sql: "select g as n from generate_series(1, 400) as g where pg_sleep(0.05) is not null"
    dimensions:
      - { name: n, type: number }
    measures:
      - { name: total, agg: sum, expr: n }
`,
  );
  const r = loadSemanticLayer([{ file: 'semantic/star.yml', text: yaml }], { resolveRef: () => undefined, refNames: [] });
  if (!r.layer) throw new Error(JSON.stringify(r.diagnostics, null, 2));
  return r.layer;
}

for (const db of testDatabases()) {
  describe(`SQL API over the PostgreSQL protocol on ${db.name}`, () => {
    const s = uniqueSchema('sqlwire');
    let adapter: WarehouseAdapter;
    let layer: SemanticLayer;
    let http: StrataServer;
    let sql: SqlServer;
    let port: number;
    let finance: string;
    let emea: string;

    beforeAll(async () => {
      adapter = await adapterFor(db);
      await setUpWarehouse(adapter, s);
      layer = layerWithSlowModel(s);
      http = await startServer(layer, adapter, s, { cache: undefined, statementTimeoutMs: 20_000 });
      sql = await createSqlServer({
        layer,
        service: http.service,
        authenticate: http.authenticate,
        apiKeys: [{ user: 'tableau', role: 'sales', claims: { region: 'APAC' }, verifier: scramVerifier(API_KEY) }],
        database: 'shop',
        maxRows: 1000,
        log: () => undefined,
      });
      port = Number((await sql.listen(0, '127.0.0.1')).split(':').pop());
      finance = await token('finance');
      emea = await token('sales', { region: 'EMEA' });
    }, 60_000);
    afterAll(async () => {
      await sql?.close();
      await http?.close();
      await tearDownWarehouse(adapter, s);
      await adapter.close();
    });

    /** The HTTP API's answer to the same question: what every client must match. */
    const viaHttp = async (query: unknown, tok: string): Promise<Record<string, unknown>[]> => {
      const r = await http.app.inject({ method: 'POST', url: '/api/v1/query', payload: query as object, headers: { authorization: `Bearer ${tok}` } });
      expect(r.statusCode, r.body).toBe(200);
      return (r.json() as { rows: Record<string, unknown>[] }).rows;
    };
    const connect = async (user: string, password: string): Promise<pg.Client> => {
      const c = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'shop' });
      await c.connect();
      return c;
    };
    const pgError = async (p: Promise<unknown>): Promise<{ code?: string; message: string; position?: string }> => {
      try {
        await p;
      } catch (e) {
        return e as { code?: string; message: string; position?: string };
      }
      throw new Error('expected an error');
    };

    it('node-postgres: simple and extended protocol, prepared statements, same numbers as HTTP', async () => {
      const c = await connect('finance-user', finance);
      try {
        const simple = await c.query('select region, measure(revenue) from sales group by 1 order by 1');
        expect(simple.fields.map((f) => f.name)).toEqual(['region', 'measure']);
        const truth = await viaHttp({ metrics: ['sales.revenue'], dimensions: ['customer.region'], order: [{ member: 'customer.region' }] }, finance);
        expect(simple.rows.map((r) => [r.region, Number(r.measure)])).toEqual(truth.map((r) => [r['customer.region'], r['sales.revenue']]));
        expect(simple.rows.length).toBeGreaterThan(1);

        // Extended protocol with typed parameters, twice through one named prepared statement.
        for (const channel of ['web', 'store']) {
          const ext = await c.query({ name: 'by_channel', text: 'select region, aggregate(revenue) as revenue, sum(units) as units from sales where channel = $1 group by region having measure(revenue) > $2 order by revenue desc nulls last limit $3', values: [channel, 0, 10] });
          const t = await viaHttp(
            { metrics: ['revenue', 'sales.units'], dimensions: ['customer.region'], filters: [{ member: 'sales.channel', op: 'equals', values: [channel] }, { member: 'sales.revenue', op: 'gt', values: [0] }], order: [{ member: 'revenue', desc: true }], limit: 10 },
            finance,
          );
          expect(ext.rows.map((r) => [r.region, Number(r.revenue), Number(r.units)])).toEqual(t.map((r) => [r['customer.region'], r['revenue'], r['sales.units']]));
        }
        // Time grains, BETWEEN, IN, LIMIT/OFFSET.
        const months = await c.query(`select date_trunc('month', sold_at) as month, measure(revenue) from sales where sold_at between '2024-01-01' and '2024-12-31' and region in ('EMEA', 'AMER') group by 1 order by 1 limit 2 offset 1`);
        const tm = await viaHttp(
          { metrics: ['sales.revenue'], dimensions: ['sales.sold_at.month'], filters: [{ member: 'sales.sold_at', op: 'gte', values: ['2024-01-01'] }, { member: 'sales.sold_at', op: 'lte', values: ['2024-12-31'] }, { member: 'customer.region', op: 'in', values: ['EMEA', 'AMER'] }], order: [{ member: 'sales.sold_at.month' }], limit: 2, offset: 1 },
          finance,
        );
        expect(months.rows.map((r) => [(r.month as Date).toISOString().slice(0, 10), Number(r.measure)])).toEqual(tm.map((r) => [r['sales.sold_at.month'], r['sales.revenue']]));
        // The metrics table, joined on conformed dimensions.
        const m = await c.query('select customer__segment, aggregate(avg_order_value) from metrics group by 1 order by 1');
        const tmm = await viaHttp({ metrics: ['avg_order_value'], dimensions: ['customer.segment'], order: [{ member: 'customer.segment' }] }, finance);
        expect(m.rows.map((r) => [r.customer__segment, Number(r.aggregate)])).toEqual(tmm.map((r) => [r['customer.segment'], r['avg_order_value']]));
        // Tools ask for the columns with a constant false condition: no rows, right columns.
        const none = await c.query('select * from sales where 1 = 0');
        expect(none.rows).toEqual([]);
        expect(none.fields.map((f) => f.name)).toContain('revenue');
      } finally {
        await c.end();
      }
    });

    it('a restricted role sees only its rows and columns', async () => {
      const c = await connect('sales', emea);
      try {
        const r = await c.query('select region, measure(revenue) from sales group by 1');
        expect(r.rows.map((x) => x.region)).toEqual(['EMEA']);
        const truth = await viaHttp({ metrics: ['sales.revenue'], dimensions: ['customer.region'] }, emea);
        expect(Number(r.rows[0].measure)).toBe(truth[0]!['sales.revenue']);
        // The hidden column does not exist for this role, in queries or the catalog.
        expect((await pgError(c.query('select email from sales group by 1'))).code).toBe('42703');
        const cols = await c.query("select column_name from information_schema.columns where table_name = 'customer'");
        expect(cols.rows.map((x) => x.column_name)).toContain('region');
        expect(cols.rows.map((x) => x.column_name)).not.toContain('email');
        // Parameters cannot widen the row filter.
        const other = await c.query('select measure(revenue) from sales where region = $1', ["AMER' or '1'='1"]);
        expect(other.rows[0].measure).toBeNull();
      } finally {
        await c.end();
      }
    });

    it('bad tokens, bad SQL and unsupported constructs get SQL errors, never database text', async () => {
      expect((await pgError(connect('x', 'not-a-token'))).code).toBe('28P01');
      const expired = await pgError(connect('x', await token('finance', {}, '-1h')));
      expect(expired.code).toBe('28P01');
      expect(expired.message).toContain('token expired');
      const c = await connect('finance', finance);
      try {
        const syntax = await pgError(c.query('select region, from sales'));
        expect(syntax.code).toBe('42601');
        expect(Number(syntax.position)).toBeGreaterThan(0);
        expect((await pgError(c.query('select region, measure(revenue) from sales join customer on true group by 1'))).message).toMatch(/JOIN is not supported/);
        expect((await pgError(c.query("select region, measure(revenue) from sales where region = 'EMEA' or channel = 'web' group by 1"))).code).toBe('0A000');
        expect((await pgError(c.query('select region, revenue from sales group by 1'))).message).toMatch(/MEASURE\(revenue\)/);
        expect((await pgError(c.query('select region, measure(revenue) from sales'))).code).toBe('42803');
        expect((await pgError(c.query('select * from nowhere'))).code).toBe('42P01');
        expect((await pgError(c.query('delete from sales'))).code).toBe('25006');
        // The session survives errors; transactions are tracked.
        await c.query('begin');
        await pgError(c.query('select nope from sales group by 1'));
        expect((await pgError(c.query('select 1'))).code).toBe('25P02');
        await c.query('rollback');
        expect((await c.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await c.end();
      }
    });

    it('an API key authenticates with SCRAM-SHA-256 and stands for its role and claims', async () => {
      const c = await connect('tableau', API_KEY);
      try {
        const r = await c.query('select region, measure(revenue) from sales group by 1');
        expect(r.rows.map((x) => x.region)).toEqual(['APAC']);
      } finally {
        await c.end();
      }
      expect((await pgError(connect('tableau', 'wrong-key-wrong-key'))).code).toBe('28P01');
    });

    it('TLS: SSLRequest upgrades with --sql-tls-cert/key, is refused without; tokens never travel in clear off loopback', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'strata-tls-'));
      await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost']);
      const { readFileSync } = await import('node:fs');
      const { networkInterfaces } = await import('node:os');
      const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
      const tlsServer = await createSqlServer({
        layer,
        service: http.service,
        authenticate: http.authenticate,
        tls: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) },
        database: 'shop',
        maxRows: 1000,
        log: () => undefined,
      });
      const tlsPort = Number((await tlsServer.listen(0, external ?? '127.0.0.1')).split(':').pop());
      const host = external ?? '127.0.0.1';
      try {
        const c = new pg.Client({ host, port: tlsPort, user: 'sales', password: emea, database: 'shop', ssl: { rejectUnauthorized: false } });
        await c.connect();
        try {
          expect((c as unknown as { connection: { stream: { encrypted?: boolean } } }).connection.stream.encrypted).toBe(true);
          expect((await c.query('select region from sales group by 1')).rows).toEqual([{ region: 'EMEA' }]);
        } finally {
          await c.end();
        }
        if (external) {
          // Off loopback without TLS the server refuses before the token is sent.
          const plain = await pgError(new pg.Client({ host, port: tlsPort, user: 'sales', password: emea, database: 'shop' }).connect());
          expect(plain.code).toBe('28000');
        }
        // A server without TLS answers SSLRequest with N: a client that requires TLS gives up.
        const refused = await pgError(new pg.Client({ host: '127.0.0.1', port, user: 'sales', password: emea, database: 'shop', ssl: { rejectUnauthorized: false } }).connect());
        expect(refused.message).toMatch(/does not support SSL/);
      } finally {
        await tlsServer.close();
      }
    });

    it.skipIf(!hasPsql)('psql: \\dt, \\d and a grouped query with a token', async () => {
      const psql = (cmd: string, tok = emea, user = 'sales'): Promise<{ stdout: string }> =>
        run('psql', [`host=127.0.0.1 port=${port} user=${user} password=${tok} dbname=shop`, '-X', '-A', '-t', '-c', cmd], { env: { ...process.env, PGCONNECT_TIMEOUT: '5' } });
      const q = await psql('select region, measure(revenue) from sales group by 1');
      const truth = await viaHttp({ metrics: ['sales.revenue'], dimensions: ['customer.region'] }, emea);
      expect(q.stdout.trim()).toBe(`EMEA|${truth[0]!['sales.revenue']}`);
      const dt = await psql('\\dt');
      expect(dt.stdout).toMatch(/public\|sales\|table/);
      expect(dt.stdout).toMatch(/public\|metrics\|table/);
      const d = await psql('\\d sales');
      expect(d.stdout).toMatch(/region\|text/);
      expect(d.stdout).toMatch(/revenue\|numeric/);
      expect(d.stdout).not.toMatch(/email/);
    });

    for (const driver of ['psycopg2', 'psycopg'] as const) {
      it.skipIf(!(driver === 'psycopg2' ? hasPsycopg2 : hasPsycopg))(`${driver}: tables, a grouped query with parameters${db.name === 'postgres' && driver === 'psycopg2' ? ', cancel' : ''}`, async () => {
        const args = [join(FIXTURES, 'psycopg_client.py'), driver, String(port), 'sales', emea, 'EMEA', ...(db.name === 'postgres' && driver === 'psycopg2' ? ['cancel', finance] : [])];
        const { stdout } = await run('/usr/bin/python3', args, { timeout: 60_000 });
        const out = JSON.parse(stdout) as { tables: string[]; columns: string[]; rows: [string, number, number][]; one: number; email: string; cancel?: string };
        expect(out.tables).toEqual(expect.arrayContaining(['sales', 'customer', 'metrics']));
        expect(out.columns).toEqual(['region', 'revenue', 'measure']);
        const truth = await viaHttp({ metrics: ['sales.revenue', 'sales.units'], dimensions: ['customer.region'], filters: [{ member: 'sales.channel', op: 'in', values: ['web', 'store'] }], order: [{ member: 'customer.region' }] }, emea);
        expect(out.rows).toEqual(truth.map((r) => [r['customer.region'], r['sales.revenue'], r['sales.units']]));
        expect(out.one).toBe(truth.length ? (await viaHttp({ metrics: ['sales.revenue'] }, emea))[0]!['sales.revenue'] : 0);
        expect(out.email).toBe('42703');
        if (db.name === 'postgres' && driver === 'psycopg2') {
          expect(out.cancel).toBe('57014');
          // Cancelled in the warehouse too, not left running until the statement timeout.
          await new Promise((r) => setTimeout(r, 500));
          const left = await adapter.query<{ n: string }>("select count(*) as n from pg_stat_activity where state = 'active' and query like '%pg_sleep(0.05)%' and pid <> pg_backend_pid()");
          expect(Number(left.rows[0]!.n)).toBe(0);
        }
      }, 90_000);
    }

    it.skipIf(!hasJdbc)('JDBC: metadata, prepared statements (server-side after the threshold), binary results', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'strata-jdbc-'));
      copyFileSync(join(FIXTURES, 'JdbcClient.java'), join(dir, 'JdbcClient.java'));
      writeFileSync(join(dir, '.keep'), '');
      const { stdout } = await run('java', ['-cp', JDBC, join(dir, 'JdbcClient.java'), String(port), 'finance', finance], { timeout: 90_000 });
      const lines = Object.fromEntries(stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      expect(lines['product']).toBe('PostgreSQL');
      expect(lines['tables']!.split(',')).toEqual(expect.arrayContaining(['sales', 'customer', 'metrics']));
      expect(lines['columns']).toMatch(/region:text/);
      expect(lines['columns']).toMatch(/revenue:numeric/);
      const truth = await viaHttp({ metrics: ['sales.revenue'], dimensions: ['customer.region'], filters: [{ member: 'sales.channel', op: 'not_equals', values: ['mobile'] }], order: [{ member: 'customer.region' }], limit: 100 }, finance);
      const expected = truth.map((r) => `${r['customer.region']}=${r['sales.revenue']};`).join('');
      const norm = (x: string): string => x.replace(/=(-?\d+)\.0+;/g, '=$1;').replace(/(\.\d*?)0+;/g, '$1;');
      for (const k of ['rows0', 'rows1', 'rows2']) expect(norm(lines[k]!)).toBe(norm(expected));
      const months = await viaHttp({ metrics: ['sales.units'], dimensions: ['sales.sold_at.month'], order: [{ member: 'sales.sold_at.month' }] }, finance);
      expect(norm(lines['months']!)).toBe(norm(months.map((r) => `${r['sales.sold_at.month']}=${r['sales.units']};`).join('')));
      expect(lines['error']).toBe('42703');
    }, 120_000);
  });
}

for (const db of testDatabases()) {
  describe(`SQL API over a MetricFlow-format layer on ${db.name}`, () => {
    const s = uniqueSchema('sqlmf');
    let adapter: WarehouseAdapter;
    let http: StrataServer;
    let sql: SqlServer;
    let c: pg.Client;
    let tok: string;

    beforeAll(async () => {
      const { initSqlParser } = await import('../../../src/semantic/index.js');
      const { balancesSql, fixtureRefs, METRICFLOW_YAML } = await import('../../fixtures/semantic/metricflow.js');
      const { starSchemaSql } = await import('../../fixtures/semantic/star.js');
      await initSqlParser();
      adapter = await adapterFor(db);
      for (const stmt of [...starSchemaSql(s), ...balancesSql(s)]) await adapter.query(stmt);
      const refs = fixtureRefs(s);
      const r = loadSemanticLayer([{ file: 'models/semantic.yml', text: METRICFLOW_YAML }], { resolveRef: (n) => refs[n], refNames: Object.keys(refs) });
      if (!r.layer) throw new Error(JSON.stringify(r.diagnostics));
      http = await startServer(r.layer, adapter, s);
      sql = await createSqlServer({ layer: r.layer, service: http.service, authenticate: http.authenticate, database: 'shop', maxRows: 1000, log: () => undefined });
      const port = Number((await sql.listen(0, '127.0.0.1')).split(':').pop());
      tok = await token('anyone');
      c = new pg.Client({ host: '127.0.0.1', port, user: 'bi', password: tok, database: 'shop' });
      await c.connect();
    }, 60_000);
    afterAll(async () => {
      await c?.end();
      await sql?.close();
      await http?.close();
      await adapter.query(`drop schema if exists "${s}" cascade`);
      await adapter.close();
    });
    const viaHttp = async (query: unknown): Promise<Record<string, unknown>[]> => {
      const r = await http.app.inject({ method: 'POST', url: '/api/v1/query', payload: query as object, headers: { authorization: `Bearer ${tok}` } });
      expect(r.statusCode, r.body).toBe(200);
      return (r.json() as { rows: Record<string, unknown>[] }).rows;
    };

    it('semantic models from entities, metrics, saved queries as tables, semi-additive balances: the HTTP numbers', async () => {
      const byRegion = await c.query('select customer__region, aggregate(avg_order_value) as aov, aggregate(revenue_per_customer) as rpc from metrics group by 1 order by 1');
      const t1 = await viaHttp({ metrics: ['avg_order_value', 'revenue_per_customer'], dimensions: ['customer.region'], order: [{ member: 'customer.region' }] });
      expect(byRegion.rows.map((r) => [r.customer__region, Number(r.aov), Number(r.rpc)])).toEqual(t1.map((r) => [r['customer.region'], r['avg_order_value'], r['revenue_per_customer']]));
      expect(byRegion.rows.length).toBeGreaterThan(1);
      // A saved query is a table of its result columns; WHERE on them filters its rows.
      const saved = await c.query("select * from revenue_by_region_month where region = 'EMEA' order by sold_at__month");
      const t2 = await viaHttp({ saved_query: 'revenue_by_region_month', filters: [{ member: 'customer.region', op: 'equals', values: ['EMEA'] }], order: [{ member: 'sales.sold_at.month' }] });
      expect(saved.rows.map((r) => Number(r.revenue))).toEqual(t2.map((r) => r['revenue']));
      expect(saved.rows.length).toBe(t2.length);
      // Semi-additive: the balance at the last snapshot of each month, not the sum of snapshots.
      const bal = await c.query("select date_trunc('month', accounts__as_of) as month, aggregate(balance) from metrics group by 1 order by 1");
      const t3 = await viaHttp({ metrics: ['balance'], dimensions: ['accounts.as_of.month'], order: [{ member: 'accounts.as_of.month' }] });
      expect(bal.rows.map((r) => Number(r.aggregate))).toEqual(t3.map((r) => r['balance']));
    });
  });
}
