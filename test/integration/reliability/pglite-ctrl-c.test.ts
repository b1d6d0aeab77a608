/**
 * Issue 14: Ctrl-C stops a PGlite build within about a second: no node (and no statement) starts
 * after the signal, the running statement is stopped (PGlite runs in a worker thread that is
 * terminated), and every table is either the previous or the new version, never missing.
 * Spawns the built binary (dist/).
 */
import { describe, expect, it } from 'vitest';
import { projectFor, queryDb, runStrataSync } from '../../helpers/strata-cli.js';
import { leftovers, start } from './process.js';

const ENV = { STRATA_DATABASE_URL: '' };
const N = 30;
const FILES: Record<string, string> = {};
for (let i = 1; i <= N; i++) {
  const name = `m_${String(i).padStart(2, '0')}`;
  FILES[`models/${name}.sql`] = `{{ config(materialized='table') }}\nselect {{ var('v') }} as v, g as x from generate_series(1, 100) g, pg_sleep({{ var('sleep') }})`;
}
const vars = (v: number, sleep: number): string[] => ['--vars', `{v: ${v}, sleep: ${sleep}}`];

interface Event {
  ts: string;
  type: string;
  message?: string;
  unique_id?: string;
}

describe('Ctrl-C on a PGlite build', () => {
  it('stops within about a second; nothing starts after the signal; every table is the old or the new version', async () => {
    const db = { name: 'pglite' as const };
    const { dir, schema } = await projectFor(db, FILES);
    const first = runStrataSync(['build', '--project-dir', dir, ...vars(1, 0)], ENV);
    expect(first.code).toBe(0);

    const run = start(['build', '--project-dir', dir, '--log-format', 'json', ...vars(2, 0.3)]);
    await run.waitFor(/("type":"node_finish"[^\n]*\n[^]*){3}/, 30_000);
    const sent = Date.now();
    run.child.kill('SIGINT');
    const r = await run.exited;
    const took = Date.now() - sent;
    expect(r.code).toBe(130);
    expect(took).toBeLessThan(1_500);

    const events = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Event);
    const interrupted = events.find((e) => e.type === 'info' && /Interrupted: cancelling running statements/.test(e.message ?? ''));
    expect(interrupted).toBeDefined();
    const startedAfter = events.filter((e) => e.type === 'node_start' && e.ts > interrupted!.ts);
    expect(startedAfter).toEqual([]);
    const started = events.filter((e) => e.type === 'node_start').length;
    const finished = events.filter((e) => e.type === 'node_finish').length;
    // At most the one node that was running when the signal came finished after it (cancelled).
    expect(started).toBeLessThanOrEqual(finished);
    expect(started).toBeLessThan(N);
    expect(events.find((e) => e.type === 'info' && /^Interrupted in/.test(e.message ?? ''))?.message).toMatch(/Interrupted in [\d.]+s: \d+ ok/);

    // Every table is still there: the new version where its swap committed, else the previous one.
    const rows = await queryDb<{ name: string; v: number; n: number }>(
      db,
      dir,
      `select c.relname as name, (xpath('/row/v/text()', query_to_xml(format('select min(v)::int as v from %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::int as v,
              (xpath('/row/n/text()', query_to_xml(format('select count(*)::int as n from %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::int as n
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = $1 and c.relkind = 'r' and c.relname like 'm\\_%' and c.relname not like '%strata%' order by 1`,
      [schema],
    );
    expect(rows.map((x) => x.name)).toEqual(Object.keys(FILES).map((f) => f.slice('models/'.length, -'.sql'.length)));
    for (const row of rows) {
      expect(row.n).toBe(100);
      expect([1, 2]).toContain(row.v);
    }
    expect(rows.filter((x) => x.v === 2).length).toBeGreaterThanOrEqual(3);
    expect(rows.filter((x) => x.v === 1).length).toBeGreaterThan(0);

    // The next run opens the interrupted database (PGlite recovers) and completes everything.
    const again = runStrataSync(['run', '--project-dir', dir, ...vars(3, 0)], ENV);
    expect(again.code).toBe(0);
    expect(await leftovers(db, dir, schema)).toEqual([]);
    const v3 = await queryDb<{ n: number }>(db, dir, `select count(*)::int as n from "${schema}".m_30 where v = 3`);
    expect(v3).toEqual([{ n: 100 }]);
  }, 90_000);
});
