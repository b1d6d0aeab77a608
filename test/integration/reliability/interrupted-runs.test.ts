/**
 * Issue 3 reliability: runs killed with SIGKILL, interrupted with Ctrl-C, run twice at once, and
 * stopped by --fail-fast never corrupt the target. These tests spawn the built binary (dist/).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases, type TestDatabase } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, runStrataSync } from '../../helpers/strata-cli.js';
import { activeStatementsOn, leftovers, start, until } from './process.js';

const ENV = { STRATA_DATABASE_URL: '' };

/** `fast` builds at once; `slow` (on `fast`) sleeps; `report` is a view on `slow`. Every row carries the run's version `v`. */
const PROJECT: Record<string, string> = {
  'models/fast.sql': "{{ config(materialized='table') }}\nselect g as id, {{ var('v') }} as v from generate_series(1, 1000) g",
  'models/slow.sql': "{{ config(materialized='table') }}\nselect f.id, f.v from {{ ref('fast') }} f, pg_sleep({{ var('sleep') }})",
  'models/report.sql': "select count(*)::int as n, min(v) as v, max(v) as v_max from {{ ref('slow') }}",
};

const vars = (v: number, sleep: number): string[] => ['--vars', `{v: ${v}, sleep: ${sleep}}`];

interface Version {
  n: number;
  v: number;
  v_max: number;
}

async function version(db: TestDatabase, dir: string, schema: string, rel: string): Promise<Version> {
  const rows = await queryDb<Version>(db, dir, `select count(*)::int as n, min(v) as v, max(v) as v_max from "${schema}"."${rel}"`);
  return rows[0]!;
}

async function report(db: TestDatabase, dir: string, schema: string): Promise<Version> {
  return (await queryDb<Version>(db, dir, `select n, v, v_max from "${schema}".report`))[0]!;
}

function runOk(dir: string, args: string[]): void {
  const r = runStrataSync(['run', '--project-dir', dir, ...args], ENV);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

for (const db of testDatabases()) {
  describe(`interrupted runs on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('SIGKILL mid-build keeps the previous tables queryable; the rerun completes them and leaves no temporary relation', async () => {
      const { dir, schema } = await projectFor(db, PROJECT);
      schemas.push(schema);
      runOk(dir, vars(1, 0));
      const run = start(['run', '--project-dir', dir, '--threads', '1', ...vars(2, 15)]);
      await run.waitFor(/OK\s+model fast/);
      // Kill while `slow` is being built (its statement is running on the server).
      if (db.name === 'postgres') await until(async () => (await activeStatementsOn(db, schema)) > 0);
      else await new Promise((r) => setTimeout(r, 500));
      run.child.kill('SIGKILL');
      const killed = await run.exited;
      expect(killed.signal).toBe('SIGKILL');
      expect(killed.stdout).not.toMatch(/model slow/);

      // `fast` was swapped in before the kill; `slow` and the view on it still show run 1.
      expect(await version(db, dir, schema, 'fast')).toEqual({ n: 1000, v: 2, v_max: 2 });
      expect(await version(db, dir, schema, 'slow')).toEqual({ n: 1000, v: 1, v_max: 1 });
      expect(await report(db, dir, schema)).toEqual({ n: 1000, v: 1, v_max: 1 });

      // The killed process's PGlite lock file names a dead pid: it must not block the rerun.
      if (db.name === 'pglite') expect(existsSync(join(dir, '.strata', 'pglite', 'strata.lock'))).toBe(true);
      const rerunStarted = Date.now();
      runOk(dir, vars(3, 0));
      // The killed run's statement must not hold the rerun until its 15 s sleep is over.
      expect(Date.now() - rerunStarted).toBeLessThan(12_000);
      for (const rel of ['fast', 'slow']) expect(await version(db, dir, schema, rel)).toEqual({ n: 1000, v: 3, v_max: 3 });
      expect(await report(db, dir, schema)).toEqual({ n: 1000, v: 3, v_max: 3 });
      // On PostgreSQL the killed run's statement could still commit its temporary table later.
      await until(async () => (await activeStatementsOn(db, schema)) === 0, 20_000);
      expect(await leftovers(db, dir, schema)).toEqual([]);
    }, 45_000);

    it('--fail-fast stops at the first failure; without it independent models still build', async () => {
      const files: Record<string, string> = {
        'models/a_bad.sql': "{{ config(materialized='table') }}\nselect 1 / (select count(*) - count(*) from generate_series(1, 3)) as x",
      };
      for (let i = 1; i <= 4; i++) files[`models/z_ok_${i}.sql`] = `{{ config(materialized='table') }}\nselect ${i} as x`;
      const { dir, schema } = await projectFor(db, files);
      schemas.push(schema);
      const results = async (): Promise<Record<string, { status: string; message: string | null }>> => {
        const rr = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8')) as {
          results: { unique_id: string; status: string; message: string | null }[];
        };
        return Object.fromEntries(rr.results.map((r) => [r.unique_id.replace('model.t.', ''), { status: r.status, message: r.message }]));
      };

      const stopped = runStrataSync(['run', '--project-dir', dir, '--threads', '1', '--fail-fast'], ENV);
      expect(stopped.code).toBe(1);
      const s1 = await results();
      expect(s1['a_bad']!.status).toBe('error');
      for (let i = 1; i <= 4; i++) expect(s1[`z_ok_${i}`]).toEqual({ status: 'skipped', message: 'run stopped' });
      expect(stopped.stdout).toMatch(/0 ok, 0 warn, 1 error, 0 fail, 4 skipped/);

      const full = runStrataSync(['run', '--project-dir', dir, '--threads', '1'], ENV);
      expect(full.code).toBe(1);
      const s2 = await results();
      expect(Object.values(s2).map((r) => r.status).sort()).toEqual(['error', 'success', 'success', 'success', 'success']);
    }, 30_000);

    if (db.name === 'postgres') {
      it('--fail-fast cancels statements still running in other threads', async () => {
        const { dir, schema } = await projectFor(db, {
          'models/a_slow_bad.sql': "{{ config(materialized='table') }}\nselect 1 / (select count(*) - count(*) from pg_sleep(1)) as x",
          'models/b_slow.sql': "{{ config(materialized='table') }}\nselect 1 as x from pg_sleep(20)",
        });
        schemas.push(schema);
        const started = Date.now();
        const r = runStrataSync(['run', '--project-dir', dir, '--threads', '4', '--fail-fast'], ENV);
        expect(r.code).toBe(1);
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(r.stdout).toMatch(/ERROR model\.t\.a_slow_bad: division by zero/);
        expect(r.stdout).toMatch(/ERROR model\.t\.b_slow: canceling statement/);
        expect(await activeStatementsOn(db, schema)).toBe(0);
        expect(await leftovers(db, dir, schema)).toEqual([]);
      }, 30_000);

      it('Ctrl-C cancels the running statement at once, exits 130, keeps the previous table and leaves nothing temporary', async () => {
        const { dir, schema } = await projectFor(db, PROJECT);
        schemas.push(schema);
        runOk(dir, vars(1, 0));
        const run = start(['run', '--project-dir', dir, ...vars(2, 20)]);
        await run.waitFor(/OK\s+model fast/);
        await until(async () => (await activeStatementsOn(db, schema)) > 0);
        const sent = Date.now();
        run.child.kill('SIGINT');
        const r = await run.exited;
        expect(Date.now() - sent).toBeLessThan(5_000);
        expect(r.code).toBe(130);
        expect(r.stdout).toMatch(/Interrupted: cancelling running statements/);
        expect(r.stdout).toMatch(/Interrupted in [\d.]+s: 1 ok/);
        // Cancelled on the server, not merely abandoned by the client.
        expect(await activeStatementsOn(db, schema)).toBe(0);
        expect(await leftovers(db, dir, schema)).toEqual([]);
        expect(await version(db, dir, schema, 'slow')).toEqual({ n: 1000, v: 1, v_max: 1 });
        expect(await report(db, dir, schema)).toEqual({ n: 1000, v: 1, v_max: 1 });
      }, 30_000);

      it('two concurrent runs on one target: the second waits for the run lock, both succeed, nothing is corrupted', async () => {
        const { dir, schema } = await projectFor(db, PROJECT);
        schemas.push(schema);
        const first = start(['run', '--project-dir', dir, ...vars(1, 2)]);
        const second = start(['run', '--project-dir', dir, ...vars(2, 2)]);
        const [a, b] = await Promise.all([first.exited, second.exited]);
        expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
        const waited = [a, b].filter((x) => /Waiting for the run lock on schema "[^"]+": another strata run is building it/.test(x.stdout));
        expect(waited).toHaveLength(1);
        // The run that waited finished last: its version is what the tables hold, consistently.
        const last = waited[0] === a ? 1 : 2;
        for (const rel of ['fast', 'slow']) expect(await version(db, dir, schema, rel)).toEqual({ n: 1000, v: last, v_max: last });
        expect(await report(db, dir, schema)).toEqual({ n: 1000, v: last, v_max: last });
        expect(await leftovers(db, dir, schema)).toEqual([]);
      }, 30_000);
    } else {
      it('a second process on the same PGlite data directory waits for the first (saying why) instead of opening it too', async () => {
        const { dir, schema } = await projectFor(db, PROJECT);
        runOk(dir, vars(1, 0));
        // slow sleeps 10 s: the second process must reach the data directory while the first holds it,
        // and a cold CLI start plus compile took over 3 s in a loaded CI run.
        const first = start(['run', '--project-dir', dir, ...vars(2, 10)]);
        await first.waitFor(/OK\s+model fast/);
        const second = start(['run', '--project-dir', dir, ...vars(3, 0)]);
        const [a, b] = await Promise.all([first.exited, second.exited]);
        expect([a.code, a.stderr]).toEqual([0, '']);
        expect([b.code, b.stderr]).toEqual([0, '']);
        const pid = first.child.pid!;
        expect(b.stdout).toContain(`Waiting for the PGlite data directory ${join(dir, '.strata', 'pglite')}: another strata process (pid ${pid}) is using it`);
        // The second run started only after the first had finished: it built everything on top of it.
        expect(b.stdout.indexOf('Waiting for the PGlite')).toBeLessThan(b.stdout.indexOf('model fast'));
        for (const rel of ['fast', 'slow']) expect(await version(db, dir, schema, rel)).toEqual({ n: 1000, v: 3, v_max: 3 });
        expect(await report(db, dir, schema)).toEqual({ n: 1000, v: 3, v_max: 3 });
        expect(await leftovers(db, dir, schema)).toEqual([]);
        expect(existsSync(join(dir, '.strata', 'pglite', 'strata.lock'))).toBe(false);
      }, 45_000);
    }
  });
}
