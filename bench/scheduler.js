// bench/scheduler: per-node overhead of the executor on 1,000 trivial view models (issue 3).
//
// Database time is measured by running the SAME statements strata runs (the catalog lookup of
// each node's relation, then the node's plan from dist/planner: begin; create view ...; commit)
// directly, with a minimal ready-queue over the same DAG and the same number of connections
// (8 pg clients; PGlite's single connection). That replay is the ideal: what the database needs
// under the same contention with (almost) no client overhead. Summing per-statement times inside
// strata would count pool waits as database time when the pool is saturated, so it is not used.
// overhead/node = (strata run phase − replay wall) / nodes, where the run phase is
// run_results.json `elapsed_time` (lock, leftover cleanup, DAG, artifacts; no process start or
// compile). The whole-process figure is printed too.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { timeStrata, median } from './lib.js';
import { CLEAN_ENV, DATABASE_URL, assertAllSucceeded, dropSchema, secs, writeBenchProject } from './db.js';

const CHAIN = 5;

/** n view models in chains of CHAIN levels: every 5th is `select 1 as x`, the rest ref the previous. */
export function schedulerModels(n) {
  const files = { 'strata_project.yml': 'name: bench\nprofile: bench\nmodels:\n  bench:\n    +materialized: view\n' };
  for (let i = 0; i < n; i++) {
    const name = `v_${String(i).padStart(5, '0')}`;
    const prev = `v_${String(i - 1).padStart(5, '0')}`;
    files[`models/g${String(Math.floor(i / 100)).padStart(3, '0')}/${name}.sql`] =
      i % CHAIN === 0 ? 'select 1 as x\n' : `select x + 1 as x from {{ ref('${prev}') }}\n`;
  }
  return files;
}

/** Runs the manifest's model nodes directly on `sessions` (one node per free session), as strata would. */
async function replay(manifest, sessions, schema) {
  const { planNode } = await import('../dist/planner/index.js');
  const { getRelation } = await import('../dist/adapters/catalog.js');
  const ids = Object.keys(manifest.nodes).filter((id) => manifest.nodes[id].resource_type === 'model');
  const idSet = new Set(ids);
  const waiting = new Map();
  const children = new Map();
  for (const id of ids) {
    const ps = manifest.nodes[id].depends_on.nodes.filter((p) => idSet.has(p));
    waiting.set(id, ps.length);
    for (const p of ps) children.set(p, [...(children.get(p) ?? []), id]);
  }
  const ready = ids.filter((id) => waiting.get(id) === 0);
  const free = [...sessions];
  const started = performance.now();
  await sessions[0].query(`create schema if not exists "${schema}"`);
  await new Promise((resolve, reject) => {
    let done = 0;
    const pump = () => {
      while (free.length && ready.length) {
        const id = ready.shift();
        const s = free.pop();
        runOne(id, s).then(() => {
          free.push(s);
          done++;
          for (const c of children.get(id) ?? []) {
            const k = waiting.get(c) - 1;
            waiting.set(c, k);
            if (k === 0) ready.push(c);
          }
          if (done === ids.length) resolve();
          else pump();
        }, reject);
      }
    };
    const runOne = async (id, s) => {
      const node = manifest.nodes[id];
      const existing = await getRelation((sql, p) => s.query(sql, p), { schema: node.schema, name: node.alias });
      const plan = planNode(node, { existing, columns: [] }, { fullRefresh: false, runId: 'replay' });
      for (const phase of plan.phases) {
        if (phase.transactional) await s.query('begin');
        for (const step of phase.steps) await s.query(step.sql, step.params);
        if (phase.transactional) await s.query('commit');
      }
    };
    pump();
  });
  return { ms: performance.now() - started, nodes: ids.length };
}

async function replayPostgres(manifest, schema, threads) {
  const clients = [];
  for (let i = 0; i < threads; i++) {
    const c = new pg.Client({ connectionString: DATABASE_URL });
    await c.connect();
    clients.push(c);
  }
  try {
    const sessions = clients.map((c) => ({ query: (sql, p) => c.query(sql, p ? [...p] : undefined) }));
    return await replay(manifest, sessions, schema);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

async function replayPglite(manifest, schema, dataDir) {
  const { PGlite } = await import('@electric-sql/pglite');
  mkdirSync(dataDir, { recursive: true });
  const db = new PGlite(dataDir);
  await db.waitReady;
  try {
    const session = { query: (sql, p) => (p && p.length ? db.query(sql, [...p]) : db.exec(sql)) };
    return await replay(manifest, [session], schema);
  } finally {
    await db.close();
  }
}

export async function benchScheduler({ db, n = 1000, threads = 8, runs = 3 }) {
  const schema = `bench_sched_${db}`;
  const dir = writeBenchProject(`scheduler-${db}`, db, schema, schedulerModels(n), threads);
  const compile = timeStrata(['compile', '--project-dir', dir], { env: CLEAN_ENV });
  const manifest = JSON.parse(readFileSync(join(dir, 'target', 'manifest.json'), 'utf8'));
  const proc = [];
  const phase = [];
  const ideal = [];
  const reset = async () => {
    if (db === 'postgres') await dropSchema(schema);
    else rmSync(join(dir, '.strata'), { recursive: true, force: true });
  };
  try {
    for (let r = 0; r < runs; r++) {
      await reset();
      const t = timeStrata(['run', '--project-dir', dir, '--threads', String(threads)], { env: CLEAN_ENV });
      const rr = assertAllSucceeded(dir, n);
      proc.push(t.ms);
      phase.push(rr.elapsed_time * 1000);
      await reset();
      const rep =
        db === 'postgres'
          ? await replayPostgres(manifest, schema, threads)
          : await replayPglite(manifest, schema, join(dir, '.strata', 'pglite'));
      if (rep.nodes !== n) throw new Error(`replay ran ${rep.nodes} nodes, expected ${n}`);
      ideal.push(rep.ms);
    }
  } finally {
    await reset();
  }
  const p = median(phase);
  const w = median(proc);
  const i = median(ideal);
  return { db, n, threads: db === 'pglite' ? 1 : threads, compileMs: compile.ms, processMs: w, phaseMs: p, idealMs: i, perNode: (p - i) / n, perNodeProcess: (w - i) / n };
}

export function formatScheduler(r) {
  return (
    `scheduler ${r.n} views on ${r.db} (${r.threads} connection${r.threads === 1 ? '' : 's'}): ` +
    `strata run phase ${secs(r.phaseMs)} (whole process ${secs(r.processMs)}, of which compile ~${secs(r.compileMs)}); ` +
    `ideal direct replay of the same statements ${secs(r.idealMs)}; ` +
    `overhead (run phase − replay)/node ${r.perNode.toFixed(2)} ms [whole process − replay: ${r.perNodeProcess.toFixed(2)} ms/node]`
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2]) || 1000;
  for (const db of ['postgres', 'pglite']) console.log(formatScheduler(await benchScheduler({ db, n })));
}
