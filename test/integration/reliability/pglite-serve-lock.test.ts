/**
 * Issue 14: one lock for every command that opens a PGlite data directory.
 * - `strata serve` holds it while it runs and lends it: `query`, `debug`, `features`, `run` ask it
 *   (loopback endpoint, token in the lock file), the server closes its database, the command
 *   works, the server reopens and answers with the new data.
 * - A holder that does not lend (a run) makes read commands fail at once: `run-locked`, exit 2,
 *   naming command, pid and since.
 * - A lock whose pid is dead is taken over.
 * Spawns the built binary (dist/).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectFor, runStrataSync } from '../../helpers/strata-cli.js';
import { start, until } from './process.js';

const ENV = { STRATA_DATABASE_URL: '', STRATA_REDIS_URL: '' };
const db = { name: 'pglite' as const };

/** revenue = 40 × v; `slow` sleeps `sleep` seconds (holds the directory for a while). */
const FILES: Record<string, string> = {
  'models/fact_sales.sql':
    "{{ config(materialized='table') }}\nselect g as sale_id, (g % 2) + 1 as customer_id, timestamp '2024-01-01' + g * interval '1 day' as sold_at, ({{ var('v', 1) }} * 10)::float8 as amount from generate_series(1, 4) g",
  'models/dim_customer.sql': "{{ config(materialized='table') }}\nselect 1 as customer_id, 'EMEA' as region union all select 2, 'AMER'",
  'models/slow.sql': "{{ config(materialized='table') }}\nselect 1 as x from pg_sleep({{ var('sleep', 0) }})",
  'semantic/sales.yml': `semantic_models:
  - name: sales
    model: ref('fact_sales')
    joins:
      - { to: customer, relationship: many_to_one, on: "{sales}.customer_id = {customer}.customer_id" }
    dimensions:
      - { name: sold_at, type: time }
    measures:
      - { name: revenue, agg: sum, expr: amount }
  - name: customer
    model: ref('dim_customer')
    dimensions:
      - { name: region }
metrics:
  - { name: revenue, type: simple, measure: sales.revenue }
`,
  'semantic/features.yml': `entities:
  - { name: customer, join_keys: [customer_id] }
feature_views:
  - name: sales_features
    entity: customer
    source: ref('fact_sales')
    timestamp: sold_at
    online: true
    features:
      - { name: amount, type: float64 }
`,
};

const lockFile = (dir: string): string => join(dir, '.strata', 'pglite', 'strata.lock');

async function revenue(base: string): Promise<number | string> {
  const res = await fetch(`${base}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metrics: ['revenue'] }) });
  const body = (await res.json()) as { rows?: { revenue: number }[]; error?: { code: string } };
  return res.status === 200 ? body.rows![0]!.revenue : `${res.status} ${body.error?.code}`;
}

describe('PGlite data-directory lock across processes', () => {
  it('serve lends the directory: query, debug, features and run proceed while it is up; the server then answers with the new data', async () => {
    const { dir } = await projectFor(db, FILES);
    expect(runStrataSync(['build', '--project-dir', dir], ENV).code).toBe(0);
    const serve = start(['serve', '--project-dir', dir, '--dev', '--port', '0']);
    try {
      await serve.waitFor(/Serving \d+ metrics at http:\/\/\S+/, 30_000);
      const base = /Serving \d+ metrics at (http:\/\/\S+)/.exec(serve.output())![1]!;
      expect(await revenue(base)).toBe(40);
      const lock = JSON.parse(await readFile(lockFile(dir), 'utf8')) as { pid: number; command: string; since: string; lend?: { port: number } };
      expect(lock).toMatchObject({ pid: serve.child.pid, command: 'strata serve' });
      expect(lock.lend?.port).toBeGreaterThan(0);

      const q = runStrataSync(['query', '--project-dir', dir, '--metrics', 'revenue', '--format', 'csv'], ENV);
      expect([q.code, q.stderr]).toEqual([0, '']);
      expect(q.stdout).toContain(`Borrowed the PGlite data directory from 'strata serve' (pid ${serve.child.pid})`);
      expect(q.stdout).toMatch(/^revenue\n40$/m);

      const d = runStrataSync(['debug', '--project-dir', dir], ENV);
      expect([d.code, d.stderr]).toEqual([0, '']);
      expect(d.stdout).toMatch(/connection: OK/);

      const f = runStrataSync(['features', 'materialize', '--project-dir', dir], ENV);
      expect([f.code, f.stderr]).toEqual([0, '']);
      expect(f.stdout).toContain("Borrowed the PGlite data directory from 'strata serve'");

      const r = runStrataSync(['run', '--project-dir', dir, '--vars', '{v: 2}'], ENV);
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toContain(`Borrowed the PGlite data directory from 'strata serve' (pid ${serve.child.pid})`);
      expect(r.stdout).toMatch(/OK\s+model fact_sales/);

      // The server reopens the directory, sees the new build id and answers with the new data.
      await until(async () => (await revenue(base)) === 80, 15_000, 200);
      expect(serve.output()).toMatch(/Lent the PGlite data directory to 'strata run' \(pid \d+\)/);
      expect(serve.output()).toMatch(/Reopened the PGlite data directory after 'strata run'/);
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(200);
      expect(JSON.parse(await readFile(lockFile(dir), 'utf8'))).toMatchObject({ pid: serve.child.pid, command: 'strata serve' });
    } finally {
      serve.child.kill('SIGTERM');
    }
    const stopped = await serve.exited;
    expect(stopped.code).toBe(0);
    expect(existsSync(lockFile(dir))).toBe(false);
  }, 120_000);

  it('a holder that does not lend (a run) makes query, debug, features and serve fail at once: run-locked, exit 2, naming it', async () => {
    const { dir } = await projectFor(db, FILES);
    expect(runStrataSync(['build', '--project-dir', dir], ENV).code).toBe(0);
    // The holder sleeps far longer than the four commands together may take on a loaded machine.
    const run = start(['run', '--project-dir', dir, '-s', 'slow', '--vars', '{sleep: 40}']);
    try {
      await until(async () => existsSync(lockFile(dir)) && (JSON.parse(await readFile(lockFile(dir), 'utf8')) as { pid: number }).pid === run.child.pid, 20_000);
      const pid = run.child.pid!;
      for (const args of [
        ['query', '--metrics', 'revenue'],
        ['debug'],
        ['features', 'materialize'],
        ['serve', '--dev', '--port', '0'],
      ]) {
        const started = Date.now();
        const r = runStrataSync([...args, '--project-dir', dir], ENV);
        // At once: not after the holder's 40 s (a cold CLI start on a loaded CI machine takes seconds).
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('error[run-locked]');
        expect(r.stderr).toMatch(new RegExp(`the PGlite data directory \\S+ is in use by 'strata run' \\(pid ${pid}, since \\d{4}-\\d\\d-\\d\\dT`));
        expect(r.stderr).toContain(`wait until it is done, or stop it (kill ${pid})`);
      }
    } finally {
      const done = await run.exited;
      expect(done.code).toBe(0);
    }
  }, 150_000);

  it('a lock file whose process is gone is taken over', async () => {
    const { dir } = await projectFor(db, FILES);
    expect(runStrataSync(['build', '--project-dir', dir], ENV).code).toBe(0);
    const dead = 2 ** 22 + 4321;
    await writeFile(lockFile(dir), JSON.stringify({ pid: dead, command: 'strata serve', since: '2024-01-01T00:00:00.000Z', lend: { port: 9, token: 'x' } }));
    const r = runStrataSync(['query', '--project-dir', dir, '--metrics', 'revenue', '--format', 'csv'], ENV);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(`from 'strata serve' (pid ${dead}, since 2024-01-01T00:00:00.000Z), which no longer runs`);
    expect(r.stdout).toMatch(/^revenue\n40$/m);
    expect(existsSync(lockFile(dir))).toBe(false);
  }, 60_000);
});
