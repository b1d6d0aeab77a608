// bench/seeds: a generated 1,000,000-row CSV loaded by `strata seed` (type inference, then COPY
// into a staging table and a publish transaction) vs the naive approach written here: parse the
// CSV and send batched multi-row INSERTs (1,000 rows per statement, bound parameters, one
// transaction) with pg into a table of the same column types. Issue 3 target: COPY >= 5x faster.
// Also the PGlite figure (COPY from a blob).
import { copyFileSync, createReadStream, createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { parse } from 'csv-parse';
import { timeStrata, ROOT } from './lib.js';
import { CLEAN_ENV, assertAllSucceeded, dropSchema, secs, withClient, writeBenchProject } from './db.js';

const STATUSES = ['placed', 'shipped', 'delivered', 'returned', 'cancelled'];

/** Deterministic orders CSV: id, customer_id, amount, ordered_at, status, is_gift. */
export async function generateCsv(file, rows) {
  const out = createWriteStream(file);
  let s = 42;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const base = Date.UTC(2023, 0, 1);
  const write = async (text) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('id,customer_id,amount,ordered_at,status,is_gift\n');
  let buf = '';
  for (let i = 1; i <= rows; i++) {
    const ts = new Date(base + Math.floor(rand() * 365 * 86400) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    buf += `${i},${1 + Math.floor(rand() * 10000)},${(rand() * 500).toFixed(2)},${ts},${STATUSES[Math.floor(rand() * 5)]},${rand() < 0.1}\n`;
    if (buf.length > 1 << 16) {
      await write(buf);
      buf = '';
    }
  }
  await write(buf);
  out.end();
  await once(out, 'finish');
}

/** The naive loader: csv-parse, 1,000-row INSERT ... VALUES ($1, ...), ($7, ...) statements. */
async function naiveInsert(file, schema, table, columns, batch = 1000) {
  return withClient(async (c) => {
    const started = performance.now();
    await c.query(`create table "${schema}"."${table}" (${columns.map((x) => `"${x.column_name}" ${x.data_type}`).join(', ')})`);
    await c.query('begin');
    const width = columns.length;
    const head = `insert into "${schema}"."${table}" (${columns.map((x) => `"${x.column_name}"`).join(', ')}) values `;
    const sqlFor = (n) => {
      const tuples = [];
      for (let r = 0; r < n; r++) tuples.push(`(${Array.from({ length: width }, (_, k) => `$${r * width + k + 1}`).join(', ')})`);
      return head + tuples.join(', ');
    };
    const full = sqlFor(batch);
    let params = [];
    let rows = 0;
    for await (const rec of createReadStream(file).pipe(parse({ from_line: 2 }))) {
      params.push(...rec);
      if (params.length === batch * width) {
        await c.query({ text: full, values: params, name: 'naive_batch' });
        rows += batch;
        params = [];
      }
    }
    if (params.length) {
      await c.query(sqlFor(params.length / width), params);
      rows += params.length / width;
    }
    await c.query('commit');
    return { ms: performance.now() - started, rows };
  });
}

export async function benchSeeds({ rows = 1_000_000 } = {}) {
  const csv = `seeds/orders_1m.csv`;
  const pgSchema = 'bench_seeds';
  const pgDir = writeBenchProject('seeds-postgres', 'postgres', pgSchema, {});
  const liteDir = writeBenchProject('seeds-pglite', 'pglite', 'bench_seeds', {});
  const csvAbs = join(pgDir, csv);
  mkdirSync(join(pgDir, 'seeds'), { recursive: true });
  mkdirSync(join(liteDir, 'seeds'), { recursive: true });
  await generateCsv(csvAbs, rows);
  copyFileSync(csvAbs, join(liteDir, csv));
  const mb = statSync(csvAbs).size / 1024 / 1024;
  try {
    await dropSchema(pgSchema);
    const copy = timeStrata(['seed', '--project-dir', pgDir], { env: CLEAN_ENV });
    const copyPhase = assertAllSucceeded(pgDir, 1).elapsed_time * 1000;
    const loaded = await withClient(async (c) => Number((await c.query(`select count(*) as n from "${pgSchema}".orders_1m`)).rows[0].n));
    if (loaded !== rows) throw new Error(`strata seed loaded ${loaded} rows, expected ${rows}`);
    const columns = await withClient(
      async (c) =>
        (
          await c.query(
            `select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = 'orders_1m' order by ordinal_position`,
            [pgSchema],
          )
        ).rows,
    );
    const naive = await naiveInsert(csvAbs, pgSchema, 'orders_1m_naive', columns);
    if (naive.rows !== rows) throw new Error(`naive loader inserted ${naive.rows} rows`);
    const lite = timeStrata(['seed', '--project-dir', liteDir], { env: CLEAN_ENV });
    const litePhase = assertAllSucceeded(liteDir, 1).elapsed_time * 1000;
    return { rows, mb, columns: columns.map((c) => `${c.column_name} ${c.data_type}`), copy: copy.ms, copyPhase, copyRss: copy.rssMb, naive: naive.ms, lite: lite.ms, litePhase, liteRss: lite.rssMb };
  } finally {
    await dropSchema(pgSchema);
    rmSync(join(ROOT, 'bench', '.work', 'seeds-postgres'), { recursive: true, force: true });
    rmSync(join(ROOT, 'bench', '.work', 'seeds-pglite'), { recursive: true, force: true });
  }
}

export function formatSeeds(r) {
  return (
    `seeds ${r.rows.toLocaleString('en-US')} rows (${r.mb.toFixed(0)} MB CSV; ${r.columns.join(', ')}): ` +
    `postgres strata seed (COPY) ${secs(r.copy)} whole process incl. type inference (load phase ${secs(r.copyPhase)}, peak ${r.copyRss.toFixed(0)} MB) ` +
    `vs naive 1,000-row INSERTs ${secs(r.naive)} = ${(r.naive / r.copy).toFixed(1)}x faster (${(r.naive / r.copyPhase).toFixed(1)}x on the load phase); ` +
    `pglite strata seed ${secs(r.lite)} whole process (load phase ${secs(r.litePhase)}, peak ${r.liteRss.toFixed(0)} MB)`
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(formatSeeds(await benchSeeds({ rows: Number(process.argv[2]) || 1_000_000 })));
}
