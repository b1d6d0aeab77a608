// bench/scd: a 1,000,000-row SCD type 2 dimension on PostgreSQL. A change batch touching 1% of
// the customers (segment changes, newer updated_at) is applied incrementally (`strata run`:
// only rows with updated_at >= the newest loaded are staged; index lookups on the natural key)
// and, for a second 1% batch, by a full rebuild (`strata run --full-refresh`: the whole source is
// staged and compared, the table rebuilt and swapped, keys and history kept). Issue 5 target:
// the incremental apply >= 10x faster than the full rebuild. Times are the node's execution
// time from run_results.json (no process start-up or compile).
import { timeStrata } from './lib.js';
import { CLEAN_ENV, dropSchema, runResults, secs, withClient, writeBenchProject } from './db.js';

const DIM = `{{ config(materialized='dimension', scd_type=2, natural_key='customer_id', tracked_columns=['segment', 'region'],
  updated_at='updated_at', surrogate_key='customer_key') }}
select customer_id, name, email, segment, region, updated_at from {{ source('raw', 'customers') }}
`;

function nodeSeconds(dir) {
  const r = runResults(dir).results.find((x) => x.unique_id === 'model.bench.dim_customer');
  if (!r || r.status !== 'success') throw new Error(`dim_customer did not succeed: ${JSON.stringify(r)}`);
  return r.execution_time * 1000;
}

/** Changes segment + updated_at of `n` customers starting at `offset` (every 100th id). */
async function changeBatch(schema, offset, n, at) {
  await withClient((c) =>
    c.query(
      `update "${schema}_raw".customers set segment = segment || '*', updated_at = $1
       where customer_id in (select ${offset} + g * 100 from generate_series(0, $2 - 1) g)`,
      [at, n],
    ),
  );
}

export async function benchScd({ rows = 1_000_000 } = {}) {
  const schema = `bench_scd_${process.pid}`;
  await dropSchema(schema);
  await dropSchema(`${schema}_raw`);
  try {
    await withClient(async (c) => {
      await c.query(`create schema "${schema}_raw"`);
      await c.query(`create table "${schema}_raw".customers as
        select g as customer_id, 'name ' || g as name, 'c' || g || '@example.com' as email,
               (array['Consumer','SMB','Enterprise'])[1 + g % 3] as segment,
               (array['EMEA','AMER','APAC'])[1 + g % 3] as region,
               timestamp '2024-01-01' as updated_at
        from generate_series(1, ${rows}) g`);
      await c.query(`create index on "${schema}_raw".customers (updated_at)`);
      await c.query(`analyze "${schema}_raw".customers`);
    });
    const dir = writeBenchProject('scd', 'postgres', schema, {
      'models/sources.yml': `version: 2\nsources:\n  - name: raw\n    schema: ${schema}_raw\n    tables: [{ name: customers }]\n`,
      'models/dim_customer.sql': DIM,
    });
    const run = (args) => {
      timeStrata(['run', '--project-dir', dir, ...args], { env: CLEAN_ENV });
      return nodeSeconds(dir);
    };
    const initial = run([]);
    const batch = rows / 100;
    await changeBatch(schema, 1, batch, '2024-02-01');
    const incremental = run([]);
    await changeBatch(schema, 2, batch, '2024-03-01');
    const full = run(['--full-refresh']);
    const counts = await withClient(async (c) => (await c.query(
      `select count(*)::int as total, count(*) filter (where is_current)::int as current from "${schema}".dim_customer`)).rows[0]);
    if (counts.current !== rows + 1 || counts.total !== rows + 1 + 2 * batch) throw new Error(`unexpected dimension rows: ${JSON.stringify(counts)}`);
    return { rows, batch, initial, incremental, full, total: counts.total };
  } finally {
    await dropSchema(schema);
    await dropSchema(`${schema}_raw`);
  }
}

export function formatScd(r) {
  return (
    `scd ${r.rows.toLocaleString('en-US')}-row SCD2 dimension, ${r.batch.toLocaleString('en-US')}-row change batch (1%): ` +
    `initial build ${secs(r.initial)}, incremental apply ${secs(r.incremental)}, full rebuild ${secs(r.full)} ` +
    `(${(r.full / r.incremental).toFixed(1)}x; ${r.total.toLocaleString('en-US')} rows after both batches)`
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(formatScd(await benchScd()));
}
