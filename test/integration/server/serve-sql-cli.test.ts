/**
 * `strata serve --sql-port` and `strata serve-sql` from the built binary: flags, a psql-style
 * connection with a token, an API key from the profile, and bad flags as exit 2.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/server/index.js';
import { projectFor, runStrataSync } from '../../helpers/strata-cli.js';
import { start } from '../reliability/process.js';

const ENV = { STRATA_DATABASE_URL: '', STRATA_REDIS_URL: '' };
const SECRET = 'serve-sql-cli-secret-at-least-32-characters';
const KEY = 'a-bi-tool-api-key-long-enough';

const FILES: Record<string, string> = {
  'models/fact_sales.sql': "{{ config(materialized='table') }}\nselect g as sale_id, case when g % 2 = 0 then 'EMEA' else 'AMER' end as region, (g * 10)::numeric as amount from generate_series(1, 6) g",
  'semantic/sales.yml': `semantic_models:
  - name: sales
    model: ref('fact_sales')
    dimensions:
      - { name: region }
    measures:
      - { name: revenue, agg: sum, expr: amount }
metrics:
  - { name: revenue, type: simple, measure: sales.revenue }
access:
  roles:
    finance: {}
    sales:
      row_filter: "{sales}.region = {{ user.region }}"
  default_role: none
`,
};

describe('strata serve --sql-port / serve-sql', () => {
  it('serves SQL next to HTTP with tokens and an API key from the profile; serve-sql refuses half a TLS pair (exit 2)', async () => {
    const { dir } = await projectFor({ name: 'pglite' }, FILES);
    expect(runStrataSync(['build', '--project-dir', dir], ENV).code).toBe(0);
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    // An API key for role sales, region EMEA, stored as a SCRAM verifier printed by strata token.
    const verifier = runStrataSync(['token', '--sql-key', KEY], ENV).stdout.trim();
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:/);
    const profiles = readFileSync(join(dir, 'profiles.yml'), 'utf8');
    writeFileSync(join(dir, 'profiles.yml'), profiles.replace(/(\n\s+)type: pglite/, `$1type: pglite$1sql_api_keys:$1  - { user: bi, role: sales, claims: { region: EMEA }, scram: "${verifier}" }`));
    process.env['STRATA_API_SECRET'] = SECRET;
    const serve = start(['serve', '--project-dir', dir, '--port', '0', '--sql-port', '0', '--cache', 'off']);
    try {
      await serve.waitFor(/SQL API \(PostgreSQL protocol\) at \S+/, 30_000);
      const port = Number(/SQL API \(PostgreSQL protocol\) at \S+:(\d+)/.exec(serve.output())![1]);
      const tok = await mintToken({ secret: SECRET, role: 'finance', attributes: {}, ttl: '1h' });
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'me', password: tok, database: 'x' });
      await c.connect();
      const r = await c.query('select region, measure(revenue) from sales group by 1 order by 1');
      expect(r.rows.map((x) => [x.region, Number(x.measure)])).toEqual([['AMER', 90], ['EMEA', 120]]);
      await c.end();
      const k = new pg.Client({ host: '127.0.0.1', port, user: 'bi', password: KEY, database: 'x' });
      await k.connect();
      expect((await k.query('select region, measure(revenue) from sales group by 1')).rows).toEqual([{ region: 'EMEA', measure: '120' }]);
      await k.end();
    } finally {
      serve.child.kill('SIGTERM');
      delete process.env['STRATA_API_SECRET'];
    }
    expect((await serve.exited).code).toBe(0);

    const bad = runStrataSync(['serve-sql', '--project-dir', dir, '--dev', '--port', '0', '--sql-tls-cert', 'x.pem'], ENV);
    expect(bad.code).toBe(2);
    expect(bad.stderr + bad.stdout).toMatch(/--sql-tls-cert and --sql-tls-key go together/);
  }, 90_000);
});
