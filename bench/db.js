// Shared helpers for the execution benchmarks (scheduler, parallel, seeds): bench projects with
// a profile for PostgreSQL or PGlite, run_results.json, and direct pg connections.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { ROOT } from './lib.js';

/** The PostgreSQL server the benchmarks use (a dedicated schema per benchmark, dropped after). */
export const DATABASE_URL =
  process.env.STRATA_BENCH_DATABASE_URL ?? process.env.STRATA_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Env for spawned strata processes: no URL override, so the project's profiles.yml decides. */
export const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'STRATA_DATABASE_URL'));

function profileOutput(db, schema, threads) {
  if (db === 'pglite') return `      type: pglite\n      path: .strata/pglite\n      schema: ${schema}\n`;
  const u = new URL(DATABASE_URL);
  return [
    '      type: postgres',
    `      host: ${u.hostname}`,
    `      port: ${u.port || 5432}`,
    `      user: ${decodeURIComponent(u.username) || 'postgres'}`,
    ...(u.password ? [`      password: "${decodeURIComponent(u.password)}"`] : []),
    `      dbname: ${u.pathname.slice(1) || 'postgres'}`,
    `      schema: ${schema}`,
    `      threads: ${threads}`,
    '',
  ].join('\n');
}

/** Writes a fresh project under bench/.work/<name> with the given files and a bench profile. */
export function writeBenchProject(name, db, schema, files, threads = 8) {
  const dir = join(ROOT, 'bench', '.work', name);
  rmSync(dir, { recursive: true, force: true });
  const all = {
    'strata_project.yml': 'name: bench\nprofile: bench\n',
    'profiles.yml': `bench:\n  target: bench\n  outputs:\n    bench:\n${profileOutput(db, schema, threads)}`,
    ...files,
  };
  for (const [rel, text] of Object.entries(all)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

/** `target/run_results.json` of a bench project. */
export function runResults(dir) {
  return JSON.parse(readFileSync(join(dir, 'target', 'run_results.json'), 'utf8'));
}

/** Throws unless every node of the last run succeeded (a broken build never produces a figure). */
export function assertAllSucceeded(dir, expected) {
  const rr = runResults(dir);
  const bad = rr.results.filter((r) => r.status !== 'success');
  if (bad.length || rr.results.length !== expected) {
    throw new Error(`expected ${expected} successful nodes, got ${rr.results.length} (${bad.length} not successful: ${bad[0]?.message})`);
  }
  return rr;
}

export async function withClient(fn) {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema) {
  await withClient((c) => c.query(`drop schema if exists "${schema}" cascade`));
}

export function secs(ms) {
  return `${(ms / 1000).toFixed(2)} s`;
}
