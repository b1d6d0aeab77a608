/**
 * Issue 14, finding 14: on PGlite one slow metric must not make every other request wait. The
 * server's statement timeout answers it with 503 at its deadline (PGlite runs in a worker thread;
 * the statement is stopped by terminating it), other requests fail fast or are answered, /health
 * answers honestly, and the next query is answered promptly once PGlite reopened.
 * Spawns the built binary (dist/).
 */
import { describe, expect, it } from 'vitest';
import { projectFor, runStrataSync } from '../../helpers/strata-cli.js';
import { start } from './process.js';

const ENV = { STRATA_DATABASE_URL: '', STRATA_REDIS_URL: '' };

const FILES: Record<string, string> = {
  'models/fact_sales.sql': "{{ config(materialized='table') }}\nselect g as sale_id, (g * 10)::float8 as amount from generate_series(1, 4) g",
  // A view: it sleeps when queried, not when built.
  'models/slow_sales.sql': "select s.* from {{ ref('fact_sales') }} s, pg_sleep(20)",
  'semantic/sales.yml': `semantic_models:
  - name: sales
    model: ref('fact_sales')
    measures:
      - { name: revenue, agg: sum, expr: amount }
  - name: slow
    model: ref('slow_sales')
    measures:
      - { name: revenue, agg: sum, expr: amount }
metrics:
  - { name: revenue, type: simple, measure: sales.revenue }
  - { name: slow_revenue, type: simple, measure: slow.revenue }
`,
};

async function ask(base: string, metric: string): Promise<{ status: number; ms: number; body: { rows?: { [k: string]: number }[]; error?: { code: string } } }> {
  const started = Date.now();
  const res = await fetch(`${base}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metrics: [metric] }) });
  return { status: res.status, ms: Date.now() - started, body: (await res.json()) as { rows?: { [k: string]: number }[]; error?: { code: string } } };
}

describe('strata serve on PGlite under a slow metric', () => {
  it('--statement-timeout answers the slow query with 503 at its deadline; others are not held; the next query answers promptly', async () => {
    const { dir } = await projectFor({ name: 'pglite' }, FILES);
    expect(runStrataSync(['build', '--project-dir', dir], ENV).code).toBe(0);
    const serve = start(['serve', '--project-dir', dir, '--dev', '--port', '0', '--statement-timeout', '1000', '--queue-timeout', '500', '--cache', 'off']);
    try {
      await serve.waitFor(/Serving \d+ metrics at http:\/\/\S+/, 30_000);
      const base = /Serving \d+ metrics at (http:\/\/\S+)/.exec(serve.output())![1]!;
      expect((await ask(base, 'revenue')).body.rows).toEqual([{ revenue: 100 }]);

      const slow = ask(base, 'slow_revenue');
      await new Promise((r) => setTimeout(r, 200));
      const other = ask(base, 'revenue');
      const healthStarted = Date.now();
      const health = await fetch(`${base}/health`);
      const healthMs = Date.now() - healthStarted;
      const [s, o] = await Promise.all([slow, other]);

      expect(s.status).toBe(503);
      expect(s.body.error?.code).toBe('timeout');
      expect(s.ms).toBeGreaterThanOrEqual(900);
      expect(s.ms).toBeLessThan(2_000);
      // The other request waited at most its queue timeout (or was answered after the slow one stopped).
      expect([200, 503]).toContain(o.status);
      expect(o.ms).toBeLessThan(3_000);
      // /health answers while the statement runs (the process is not blocked by PGlite).
      expect(healthMs).toBeLessThan(2_500);
      expect([200, 503]).toContain(health.status);

      // Not 20 s later: PGlite was stopped and reopened.
      // Reopening takes a few seconds on a loaded machine; meanwhile queries are 503 (never held).
      const reopened = Date.now();
      let after = await ask(base, 'revenue');
      while (after.status === 503 && Date.now() - reopened < 10_000) {
        expect(after.ms).toBeLessThan(3_000);
        await new Promise((r) => setTimeout(r, 250));
        after = await ask(base, 'revenue');
      }
      expect(after.status).toBe(200);
      expect(after.body.rows).toEqual([{ revenue: 100 }]);
      expect(after.ms).toBeLessThan(3_000);
      expect(Date.now() - reopened).toBeLessThan(10_000);
      const h2 = await fetch(`${base}/health`);
      expect(h2.status).toBe(200);
    } finally {
      serve.child.kill('SIGTERM');
    }
    expect((await serve.exited).code).toBe(0);
  }, 90_000);
});
