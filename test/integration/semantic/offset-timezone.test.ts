import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import {
  initSqlParser,
  loadSemanticLayer,
  parseMetricQuery,
  planQuery,
  planTotal,
  QueryError,
  rollupSelectSql,
  type SecurityContext,
  type SemanticLayer,
} from '../../../src/semantic/index.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';

type Row = Record<string, unknown>;
const uniqueSchema = (p: string): string => `${p}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const TZ = 'America/New_York';

/** Driver differences away: numbers as rounded numbers, Dates as ISO text (dates as YYYY-MM-DD). */
function norm(rows: readonly Row[]): Row[] {
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => {
        if (v instanceof Date) {
          const iso = v.toISOString();
          return [k, iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso];
        }
        if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return [k, Math.round(Number(v) * 1e6) / 1e6];
        if (typeof v === 'number' || typeof v === 'bigint') return [k, Math.round(Number(v) * 1e6) / 1e6];
        return [k, v];
      }),
    ),
  );
}

/**
 * Events every 97 minutes from 2024-02-28 18:00 UTC for ~13 days: many fall between midnight and
 * 05:00 UTC (the previous day in New York), one crosses the February/March boundary that way,
 * and the US switches to daylight time on 2024-03-10. The same instant is stored as `timestamp`
 * (UTC), `timestamptz`, and a `date` (a calendar day, no time).
 */
function schemaSql(s: string): string[] {
  return [
    `create schema "${s}"`,
    `create table "${s}".events as
       select g as id, (array['EMEA','AMER','APAC'])[1 + g % 3] as region, (g % 7 + 1)::numeric as amount,
         timestamp '2024-02-28 18:00' + g * interval '97 minutes' as at_ts,
         timestamptz '2024-02-28 18:00+00' + g * interval '97 minutes' as at_tz,
         (timestamp '2024-02-28 18:00' + g * interval '97 minutes')::date as at_day
       from generate_series(1, 200) g`,
  ];
}

function yaml(s: string): string {
  return `semantic_models:
  - name: ev
    table: ${s}.events
    primary_key: id
    dimensions:
      - { name: region }
      - { name: at_ts, type: time }
      - { name: at_tz, type: time }
      - { name: at_day, type: time }
    measures:
      - { name: amount, agg: sum, expr: amount }
      - { name: secret, agg: sum, expr: amount }
metrics:
  - { name: revenue, type: simple, measure: ev.amount }
  - { name: big_revenue, type: simple, measure: ev.amount, filter: "{ev}.amount > 4" }
rollups:
  - { name: ev_region_day, model: ev, measures: [amount, count], dimensions: [ev.region], time_dimension: ev.at_ts, granularity: day }
access:
  roles:
    analyst: {}
    emea:
      row_filter: "{ev}.region = {{ user.region }}"
      hide: [ev.secret]
  default_role: none
`;
}

for (const db of testDatabases()) {
  describe(`offset, time zones, measures as members and totals on ${db.name}`, () => {
    const s = uniqueSchema('tz');
    let adapter: WarehouseAdapter;
    let layer: SemanticLayer;
    let rollups: Record<string, string>;
    const emea: SecurityContext = { role: null, user: {} };

    beforeAll(async () => {
      await initSqlParser();
      adapter = await adapterFor(db);
      for (const stmt of schemaSql(s)) await adapter.query(stmt);
      const r = loadSemanticLayer([{ file: 'semantic/ev.yml', text: yaml(s) }], { resolveRef: () => undefined, refNames: [] });
      expect(r.diagnostics).toEqual([]);
      layer = r.layer!;
      Object.assign(emea, { role: layer.access!.roles['emea']!, user: { region: 'EMEA' } });
      await adapter.query(`create table "${s}".rollup_ev_region_day as ${rollupSelectSql(layer, layer.rollups!['ev_region_day']!)}`);
      rollups = { ev_region_day: `"${s}"."rollup_ev_region_day"` };
    });
    afterAll(async () => {
      await adapter?.query(`drop schema if exists "${s}" cascade`);
      await adapter?.close();
    });

    const run = async (query: unknown, security?: SecurityContext, options = {}): Promise<Row[]> => {
      const plan = planQuery(layer, parseMetricQuery(query), security, options);
      return norm((await adapter.query<Row>(plan.sql, plan.params)).rows);
    };
    const hand = async (sql: string, params: unknown[] = []): Promise<Row[]> => norm((await adapter.query<Row>(sql.replace(/\bS\./g, `"${s}".`), params)).rows);
    /** The wall-clock time of each column type in New York, written independently of the planner. */
    const local: Record<string, string> = {
      at_ts: `((at_ts at time zone 'UTC') at time zone '${TZ}')`,
      at_tz: `(at_tz at time zone '${TZ}')`,
      at_day: `at_day::timestamp`,
    };

    it('buckets timestamp (as UTC), timestamptz and date columns in the query zone', async () => {
      for (const col of ['at_ts', 'at_tz', 'at_day']) {
        for (const g of ['day', 'week', 'month']) {
          const member = `ev.${col}.${g}`;
          const got = await run({ metrics: ['revenue'], dimensions: [member], timezone: TZ });
          const want = await hand(`select date_trunc('${g}', ${local[col]})::date as "${member}", sum(amount) as revenue from S.events group by 1 order by 1`);
          expect(got, member).toEqual(want);
          const utc = await run({ metrics: ['revenue'], dimensions: [member] });
          // Near midnight UTC the bucket changes for instants; a date stays its day.
          if (col === 'at_day') expect(utc, member).toEqual(got);
          else if (g !== 'week') expect(utc, member).not.toEqual(got);
        }
      }
      // A time member without a granularity is the wall-clock time in the zone.
      expect(await run({ metrics: ['revenue'], dimensions: ['ev.at_tz'], timezone: TZ, limit: 5 })).toEqual(
        await hand(`select ${local['at_tz']} as "ev.at_tz", sum(amount) as revenue from S.events group by 1 order by 1 limit 5`),
      );
    });

    it('reads time_range bounds and time filter values in the zone', async () => {
      for (const col of ['at_ts', 'at_tz', 'at_day']) {
        const got = await run({ metrics: ['revenue'], dimensions: ['ev.region'], time_range: { dimension: `ev.${col}`, from: '2024-03-01', to: '2024-03-10' }, timezone: TZ });
        const want = await hand(
          `select region as "ev.region", sum(amount) as revenue from S.events where ${local[col]} >= '2024-03-01' and ${local[col]} < date '2024-03-11' group by 1 order by 1`,
        );
        expect(got, col).toEqual(want);
      }
      const filtered = await run({ metrics: ['revenue'], filters: [{ member: 'ev.at_tz', op: 'gte', values: ['2024-03-10T01:00:00'] }, { member: 'ev.at_ts', op: 'lt', values: ['2024-03-11'] }], timezone: TZ });
      expect(filtered).toEqual(await hand(`select sum(amount) as revenue from S.events where ${local['at_tz']} >= '2024-03-10 01:00' and ${local['at_ts']} < '2024-03-11'`));
      // A filter on a day member compares days in the zone.
      const day = await run({ metrics: ['revenue'], dimensions: ['ev.at_ts.day'], filters: [{ member: 'ev.at_ts.day', op: 'equals', values: ['2024-03-01'] }], timezone: TZ });
      expect(day).toEqual(await hand(`select date '2024-03-01' as "ev.at_ts.day", sum(amount) as revenue from S.events where ${local['at_ts']}::date = '2024-03-01'`));
    });

    it('binds the zone as a parameter; UTC spellings plan what no zone plans', () => {
      const q = { metrics: ['revenue'], dimensions: ['ev.at_ts.day'] };
      const tz = planQuery(layer, parseMetricQuery({ ...q, timezone: TZ }));
      expect(tz.sql).not.toContain(TZ);
      expect(tz.params).toContain(TZ);
      const plain = planQuery(layer, parseMetricQuery(q));
      for (const utc of ['UTC', 'Etc/UTC', 'GMT', 'utc']) expect(planQuery(layer, parseMetricQuery({ ...q, timezone: utc })).sql).toBe(plain.sql);
      // No time member: the zone changes nothing and is not sent.
      expect(planQuery(layer, parseMetricQuery({ metrics: ['revenue'], dimensions: ['ev.region'], timezone: TZ })).params).not.toContain(TZ);
    });

    it('an unknown or offset-style time zone is a 400 query-invalid naming it', () => {
      for (const bad of ['Mars/Olympus', '+03:00', 'UTC+3', 'America/New_York; drop table x', '']) {
        let err: unknown;
        try {
          planQuery(layer, parseMetricQuery({ metrics: ['revenue'], timezone: bad }));
        } catch (e) {
          err = e;
        }
        expect(err, bad).toBeInstanceOf(QueryError);
        const qe = err as QueryError;
        expect(qe.status).toBe(400);
        expect(qe.diagnostics[0]!.code).toBe('query-invalid');
        if (bad) expect(qe.message).toContain(`'${bad}'`);
      }
      // A query built without parseMetricQuery is checked by the planner too.
      expect(() => planQuery(layer, { ...parseMetricQuery({ metrics: ['revenue'] }), timezone: 'Nowhere/Land' })).toThrow(/unknown time zone 'Nowhere\/Land'/);
    });

    it('offset pages through a deterministic order (ties broken by the dimensions)', async () => {
      const q = { metrics: ['revenue'], dimensions: ['ev.region', 'ev.at_ts.day'], order: [{ member: 'revenue', desc: true }] };
      const want = await hand(
        `select region as "ev.region", date_trunc('day', at_ts)::date as "ev.at_ts.day", sum(amount) as revenue from S.events group by 1, 2 order by 3 desc, 1, 2`,
      );
      expect(want.length).toBeGreaterThan(20);
      // Revenue ties exist, so only the tie-breakers make pages exact.
      expect(new Set(want.map((r) => r['revenue'])).size).toBeLessThan(want.length);
      const pages: Row[] = [];
      for (let offset = 0; offset < want.length; offset += 7) pages.push(...(await run({ ...q, limit: 7, offset })));
      expect(pages).toEqual(want);
      expect(await run({ ...q, limit: 5, offset: 3 })).toEqual(want.slice(3, 8));
      expect(await run({ ...q, offset: want.length })).toEqual([]);
      const plan = planQuery(layer, parseMetricQuery({ ...q, limit: 5, offset: 3 }));
      expect(plan.sql).toMatch(/limit \$\d+\noffset \$\d+$/);
      expect(plan.params.slice(-2)).toEqual([5, 3]);
      expect(() => parseMetricQuery({ ...q, offset: -1 })).toThrow(QueryError);
      expect(() => parseMetricQuery({ ...q, offset: 1.5 })).toThrow(/offset/);
    });

    it('planTotal counts the rows ignoring limit and offset, with the same access rules', async () => {
      const q = { metrics: ['revenue'], dimensions: ['ev.region', 'ev.at_tz.day'], limit: 3, offset: 2, timezone: TZ };
      const count = async (query: unknown, security?: SecurityContext): Promise<number> => {
        const t = planTotal(layer, parseMetricQuery(query), security);
        const rows = (await adapter.query<{ total: unknown }>(t.sql, t.params)).rows;
        return Number(rows[0]!.total);
      };
      const all = await hand(`select count(*) as n from (select region, date_trunc('day', ${local['at_tz']}) from S.events group by 1, 2) x`);
      expect(await count(q)).toBe(all[0]!['n']);
      const emeaRows = await hand(`select count(*) as n from (select region, date_trunc('day', ${local['at_tz']}) from S.events where region = 'EMEA' group by 1, 2) x`);
      expect(await count(q, emea)).toBe(emeaRows[0]!['n']);
      expect(emeaRows[0]!['n']).toBeLessThan(all[0]!['n'] as number);
      // The restricted role's pages hold only its rows.
      const page = await run({ ...q, order: [{ member: 'ev.at_tz.day', desc: false }] }, emea);
      expect(page).toEqual(
        await hand(
          `select region as "ev.region", date_trunc('day', ${local['at_tz']})::date as "ev.at_tz.day", sum(amount) as revenue from S.events where region = 'EMEA' group by 1, 2 order by 2, 1 limit 3 offset 2`,
        ),
      );
      // A metric filter (after aggregation) is counted too.
      const having = { metrics: ['revenue'], dimensions: ['ev.region', 'ev.at_ts.day'], filters: [{ member: 'revenue', op: 'gt', values: [20] }], limit: 1 };
      expect(await count(having)).toBe((await hand(`select count(*) as n from (select 1 from S.events group by region, date_trunc('day', at_ts) having sum(amount) > 20) x`))[0]!['n']);
      // Refusals are the planner's: a hidden member is still 403.
      expect(() => planTotal(layer, parseMetricQuery({ metrics: ['ev.secret'] }), emea)).toThrow(expect.objectContaining({ status: 403 }));
    });

    it('a measure named <model>.<measure> is the measure aggregated, with row filters and hiding', async () => {
      expect(await run({ metrics: ['ev.amount', 'ev.count'], dimensions: ['ev.region'] })).toEqual(
        await hand(`select region as "ev.region", sum(amount) as "ev.amount", count(*) as "ev.count" from S.events group by 1 order by 1`),
      );
      // The measure, not a metric with a filter over it.
      expect(await run({ metrics: ['ev.amount', 'big_revenue'] })).toEqual(await hand(`select sum(amount) as "ev.amount", sum(amount) filter (where amount > 4) as big_revenue from S.events`));
      // Filters on it apply to the aggregate (a HAVING), also when it is not asked for; order too.
      expect(
        await run({ metrics: ['ev.amount'], dimensions: ['ev.at_ts.day'], filters: [{ member: 'ev.amount', op: 'gte', values: [40] }, { member: 'ev.count', op: 'lt', values: [16] }], order: [{ member: 'ev.amount', desc: true }] }),
      ).toEqual(
        await hand(`select date_trunc('day', at_ts)::date as "ev.at_ts.day", sum(amount) as "ev.amount" from S.events group by 1 having sum(amount) >= 40 and count(*) < 16 order by 2 desc, 1`),
      );
      // The role's row filter applies; its hidden measure is refused.
      expect(await run({ metrics: ['ev.amount'] }, emea)).toEqual(await hand(`select sum(amount) as "ev.amount" from S.events where region = 'EMEA'`));
      expect(() => planQuery(layer, parseMetricQuery({ metrics: ['ev.secret'] }), emea)).toThrow(expect.objectContaining({ status: 403 }));
      expect(() => planQuery(layer, parseMetricQuery({ metrics: ['revenue'], filters: [{ member: 'ev.secret', op: 'gt', values: [1] }] }), emea)).toThrow(
        expect.objectContaining({ status: 403 }),
      );
      let err: unknown;
      try {
        planQuery(layer, parseMetricQuery({ metrics: ['ev.nope'] }));
      } catch (e) {
        err = e;
      }
      expect((err as QueryError).diagnostics[0]!.code).toBe('query-invalid');
      expect((err as QueryError).message).toContain("unknown metric 'ev.nope'");
    });

    it('rollups bucketed in UTC answer a query in another zone only when no time member is involved', async () => {
      const byDay = { metrics: ['ev.amount'], dimensions: ['ev.region', 'ev.at_ts.day'] };
      expect(planQuery(layer, parseMetricQuery(byDay), undefined, { rollups }).rollup).toBe('ev_region_day');
      expect(await run(byDay, undefined, { rollups })).toEqual(await run(byDay));
      const zoned = { ...byDay, timezone: TZ };
      expect(planQuery(layer, parseMetricQuery(zoned), undefined, { rollups }).rollup).toBeUndefined();
      expect(await run(zoned, undefined, { rollups })).toEqual(
        await hand(`select region as "ev.region", date_trunc('day', ${local['at_ts']})::date as "ev.at_ts.day", sum(amount) as "ev.amount" from S.events group by 1, 2 order by 1, 2`),
      );
      const ranged = { metrics: ['revenue'], dimensions: ['ev.region'], time_range: { dimension: 'ev.at_ts', from: '2024-03-01', to: '2024-03-05' }, timezone: TZ };
      expect(planQuery(layer, parseMetricQuery(ranged), undefined, { rollups }).rollup).toBeUndefined();
      // Without time, the zone changes nothing: the rollup answers, with offset and tie-breakers.
      const plain = { metrics: ['revenue', 'ev.count'], dimensions: ['ev.region'], order: [{ member: 'ev.count', desc: true }], limit: 2, offset: 1, timezone: TZ };
      expect(planQuery(layer, parseMetricQuery(plain), undefined, { rollups }).rollup).toBe('ev_region_day');
      expect(await run(plain, undefined, { rollups })).toEqual(await run(plain));
      expect(await run(plain, undefined, { rollups })).toEqual(
        await hand(`select region as "ev.region", sum(amount) as revenue, count(*) as "ev.count" from S.events group by 1 order by 3 desc, 1 limit 2 offset 1`),
      );
    });
  });
}
