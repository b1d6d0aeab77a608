// bench/parallel: 16 independent table models of `pg_sleep(0.5)` with --threads 8 vs --threads 1
// on PostgreSQL (issue 3: speedup >= 7x). The naive approach is the serial run (--threads 1).
// The speedup is computed on the run phase (run_results.json `elapsed_time`: lock, cleanup,
// DAG, artifacts); process start and compile are the same for both and are printed as well.
import { timeStrata, median } from './lib.js';
import { CLEAN_ENV, assertAllSucceeded, dropSchema, secs, writeBenchProject } from './db.js';

export async function benchParallel({ models = 16, sleep = 0.5, threads = 8, runs = 2 } = {}) {
  const schema = 'bench_parallel';
  const files = {};
  for (let i = 0; i < models; i++) {
    // pg_sleep returns void, so it sits in FROM; the table gets one row.
    files[`models/sleep_${String(i).padStart(2, '0')}.sql`] = `{{ config(materialized='table') }}\nselect ${i} as x from pg_sleep(${sleep})\n`;
  }
  // The profile says 4 threads: --threads on the command line must size the pool as well.
  const dir = writeBenchProject('parallel', 'postgres', schema, files, 4);
  const measure = (t) => {
    const phase = [];
    const proc = [];
    for (let r = 0; r < runs; r++) {
      const p = timeStrata(['run', '--project-dir', dir, '--threads', String(t)], { env: CLEAN_ENV });
      proc.push(p.ms);
      phase.push(assertAllSucceeded(dir, models).elapsed_time * 1000);
    }
    return { phase: median(phase), proc: median(proc) };
  };
  try {
    await dropSchema(schema);
    timeStrata(['run', '--project-dir', dir, '--threads', String(threads)], { env: CLEAN_ENV }); // warm-up: tables exist, as in both timed runs
    const serial = measure(1);
    const parallel = measure(threads);
    return { models, sleep, threads, serial, parallel, speedup: serial.phase / parallel.phase, speedupProcess: serial.proc / parallel.proc };
  } finally {
    await dropSchema(schema);
  }
}

export function formatParallel(r) {
  return (
    `parallel ${r.models} x pg_sleep(${r.sleep}) tables on postgres: --threads ${r.threads} run phase ${secs(r.parallel.phase)} ` +
    `vs --threads 1 ${secs(r.serial.phase)} = ${r.speedup.toFixed(1)}x ` +
    `(whole process ${secs(r.parallel.proc)} vs ${secs(r.serial.proc)} = ${r.speedupProcess.toFixed(1)}x; ideal ${(r.models * r.sleep).toFixed(1)} s / ${((Math.ceil(r.models / r.threads) * r.sleep)).toFixed(1)} s = ${Math.min(r.threads, r.models)}x)`
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(formatParallel(await benchParallel()));
}
