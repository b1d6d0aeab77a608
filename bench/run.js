// `npm run bench`: every benchmark, printing its figures (see BENCHMARKS.md).
import { benchCompile } from './compile.js';
import { fmt } from './lib.js';

for (const n of [1000, 10000]) {
  const r = benchCompile(n);
  console.log(
    `compile ${r.models} models: cold ${fmt(r.cold)} (peak ${r.coldPeakMb.toFixed(0)} MB), ` +
      `warm no change ${fmt(r.warmNoChange)}, warm after 1 edit ${fmt(r.warmOneEdit)} (peak ${r.warmPeakMb.toFixed(0)} MB), ` +
      `naive --no-cache ${fmt(r.naiveNoCache)}`,
  );
}

// Execution-time rendering: parse (ls) at 10k models; the render bridge's cost per node.
const { benchRender, formatRender } = await import('./render.js');
console.log(formatRender(await benchRender()));

// Execution benchmarks (issue 3): need the PostgreSQL server of STRATA_BENCH_DATABASE_URL
// (default postgres://postgres@127.0.0.1:5432/test); each uses its own schema and drops it.
const { benchScheduler, formatScheduler } = await import('./scheduler.js');
const { benchParallel, formatParallel } = await import('./parallel.js');
const { benchSeeds, formatSeeds } = await import('./seeds.js');
for (const db of ['postgres', 'pglite']) console.log(formatScheduler(await benchScheduler({ db, n: 1000 })));
console.log(formatParallel(await benchParallel()));
console.log(formatSeeds(await benchSeeds()));

// Semantic layer planning (issue 6).
const { benchSemantic, formatSemantic } = await import('./semantic.js');
console.log(formatSemantic(await benchSemantic()));

// Data quality (issue 4): profile + drift test of 1,000,000 rows x 10 columns on PostgreSQL,
// one-scan queries vs one query per check.
const { benchQuality, formatQuality } = await import('./quality.js');
console.log(formatQuality(await benchQuality()));

// Metric API (issue 7): cache hit / miss / rollup hit vs raw pg, concurrency 1 and 50.
const { benchServer, formatServer, benchFairness, formatFairness } = await import('./server.js');
console.log(formatFairness(await benchFairness()));
console.log(formatServer(await benchServer()));

// Star schema (issue 5): incremental SCD2 apply vs full rebuild of a 1,000,000-row dimension.
const { benchScd, formatScd } = await import('./scd.js');
console.log(formatScd(await benchScd()));

// Feature store (issue 8): point-in-time training set 1M x 10M (LATERAL vs ROW_NUMBER vs
// correlated), materialization to Redis (full and 1% incremental), online reads vs raw HMGET.
const { benchFeatures, formatFeatures } = await import('./features.js');
console.log(formatFeatures(await benchFeatures()));

// Docs site and lineage (issue 9): docs generate on 10,000 models; the site in headless Chromium.
const { benchDocs, formatDocs } = await import('./docs.js');
console.log(formatDocs(await benchDocs(10000)));

// Progress (issue 15): first line of `strata build` and "Done in" against the wall clock.
const { benchProgress, formatProgress } = await import('./progress.js');
console.log(formatProgress(await benchProgress()));

// SQL API over the PostgreSQL protocol (issue 16): overhead vs HTTP, connection setup, 200 connections.
const { benchSqlWire } = await import('./sql-wire.js');
console.log(await benchSqlWire());
