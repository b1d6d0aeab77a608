// Data-quality benchmark (issue 4): profiling + drift-testing a 1,000,000-row, 10-column table on
// PostgreSQL with Strata's one-scan queries (dist/quality) vs the naive one-query-per-check
// approach, in the same run. Table scans are counted from pg_stat_user_tables.seq_scan deltas
// (parallel query off, so one scan is one scan). Usage: node bench/quality.js [ROWS]
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import pg from 'pg';
import { DATABASE_URL, secs } from './db.js';
import { ROOT } from './lib.js';

const SCHEMA = 'bench_quality';
const TABLE = { schema: SCHEMA, name: 'features' };

async function load(name) {
  return import(pathToFileURL(join(ROOT, 'dist', 'quality', `${name}.js`)).href);
}

async function seqScans(client) {
  // Own pending statistics are flushed when the session goes idle after a forced flush (PG 15+).
  await client.query('select pg_stat_force_next_flush()').catch(() => undefined);
  await client.query('select 1');
  await new Promise((r) => setTimeout(r, 50));
  await client.query('select pg_stat_clear_snapshot()');
  const r = await client.query('select seq_scan from pg_stat_user_tables where schemaname = $1 and relname = $2', [SCHEMA, TABLE.name]);
  return Number(r.rows[0]?.seq_scan ?? 0);
}

async function measure(client, fn) {
  const before = await seqScans(client);
  const started = performance.now();
  const queries = await fn();
  const ms = performance.now() - started;
  return { ms, scans: (await seqScans(client)) - before, queries };
}

export async function benchQuality(rows = 1_000_000) {
  const { profiledColumns } = await load('profile-sql');
  const { profileRelation, profileStats, storeBaseline, loadBaseline } = await load('baseline');
  const { computeDrift } = await load('drift');
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query('set max_parallel_workers_per_gather = 0');
    await client.query(`drop schema if exists "${SCHEMA}" cascade`);
    await client.query(`create schema "${SCHEMA}"`);
    await client.query('select setseed(0.42)');
    await client.query(`create table "${SCHEMA}"."features" as
      select g as id,
        (random() + random() + random() + random() - 2) * 10 as score,
        random() * 100 as uniform_x,
        (random() * 1000)::int as qty,
        -ln(1 - random()) * 5 as wait_s,
        round((random() * 500)::numeric, 2) as amount,
        case when random() < 0.05 then null else (random() * 1e6)::bigint end as views,
        timestamp '2024-01-01' + (random() * 365) * interval '1 day' as seen_at,
        (array['web','mobile','store','partner','other'])[1 + floor(random() * 5)::int] as channel,
        random() < 0.2 as churned
      from generate_series(1, ${rows}) g`);
    await client.query(`analyze "${SCHEMA}"."features"`);
    const colRows = await client.query(
      `select a.attname as name, format_type(a.atttypid, a.atttypmod) as data_type from pg_attribute a
       where a.attrelid = '"${SCHEMA}"."features"'::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`,
    );
    const cols = profiledColumns(colRows.rows.map((r) => ({ name: r.name, dataType: r.data_type })));

    // The baseline (stored once, two scans), then what a build does: profile + drift test.
    const baseline = await measure(client, async () => {
      const p = await profileRelation(client, TABLE, cols);
      await client.query('begin');
      const { ensureBaselineTable } = await load('baseline');
      await ensureBaselineTable(client);
      await storeBaseline(client, TABLE, p);
      await client.query('commit');
      return 2;
    });
    const stored = await loadBaseline(client, TABLE);
    let drift;
    const strata = await measure(client, async () => {
      const { quantileSample } = await load('profile-sql');
      const { estimatedRows } = await load('baseline');
      const sample = quantileSample(await estimatedRows(client, TABLE));
      await profileStats(client, TABLE, cols, sample ? { sample, numericDistinct: false } : {});
      drift = await computeDrift(client, TABLE, stored, cols.map((c) => c.name));
      return 2;
    });
    const naive = await measure(client, () => naiveChecks(client, cols, stored));
    return { rows, columns: cols.length, baseline, strata, naive, maxPsi: Math.max(...drift.map((d) => d.psi)) };
  } finally {
    await client.query(`drop schema if exists "${SCHEMA}" cascade`).catch(() => undefined);
    await client.query('delete from strata_meta.quality_baselines where schema_name = $1', [SCHEMA]).catch(() => undefined);
    await client.end();
  }
}

/** The same figures the naive way: one query per statistic per column, one histogram per column. */
async function naiveChecks(client, cols, stored) {
  const t = `"${SCHEMA}"."features"`;
  let queries = 0;
  const q = async (sql, params) => {
    queries++;
    return client.query(sql, params);
  };
  await q(`select count(*) from ${t}`);
  for (const c of cols) {
    const col = `"${c.name}"`;
    const x = c.kind === 'temporal' ? `extract(epoch from ${col})::float8` : `${col}::float8`;
    await q(`select count(*) from ${t} where ${col} is null`);
    await q(`select count(distinct ${col}) from ${t}`);
    if (c.kind === 'categorical') {
      await q(`select ${col}::text, count(*) from ${t} group by 1 order by 2 desc limit 50`);
    } else {
      for (const agg of ['avg', 'stddev_samp', 'min', 'max']) await q(`select ${agg}(${x}) from ${t}`);
      await q(`select percentile_cont(array[${Array.from({ length: 99 }, (_, i) => (i + 1) / 100).join(',')}]) within group (order by ${x}) from ${t}`);
    }
    const b = stored.get(c.name);
    if (c.kind === 'categorical') await q(`select ${col}::text, count(*) from ${t} group by 1`);
    else await q(`select width_bucket(${x}, $1::float8[]), count(*) from ${t} group by 1`, [`{${b.edges.join(',')}}`]);
  }
  return queries;
}

export function formatQuality(r) {
  const line = (label, m) => `${label} ${secs(m.ms)}, ${m.scans} table scan${m.scans === 1 ? '' : 's'}, ${m.queries} quer${m.queries === 1 ? 'y' : 'ies'}`;
  return [
    `quality ${r.rows.toLocaleString('en-US')} rows x ${r.columns} columns (PostgreSQL):`,
    `  ${line('profile + drift test (strata):', r.strata)}`,
    `  ${line('naive one query per check:   ', r.naive)} (${(r.naive.ms / r.strata.ms).toFixed(1)}x slower)`,
    `  ${line('baseline (profile + store):  ', r.baseline)}; max PSI vs itself ${r.maxPsi.toFixed(4)}`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = Number(process.argv[2] ?? 1_000_000);
  console.log(formatQuality(await benchQuality(rows)));
}
