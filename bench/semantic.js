// bench/semantic: planning speed of the semantic layer (issue 6).
// A generated layer of 50 semantic models (a star: 10 fact models, 40 dimension models),
// 100 metrics and 200 dimensions; 10,000 random valid queries planned without any cache.
// End to end: the same query through the planner vs hand-written SQL sent with pg, on PostgreSQL.
import pg from 'pg';
import { initSqlParser, loadSemanticLayer, parseMetricQuery, planQuery } from '../dist/semantic/index.js';

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}
const rand = rng(7);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

export function generateLayer() {
  const lines = ['semantic_models:'];
  const facts = Array.from({ length: 10 }, (_, i) => `fact_${i}`);
  const dims = Array.from({ length: 40 }, (_, i) => `dim_${i}`);
  const dimMembers = [];
  for (const [i, f] of facts.entries()) {
    lines.push(`  - name: ${f}`, `    table: bench.${f}`, '    joins:');
    for (let k = 0; k < 4; k++) {
      const d = dims[(i * 4 + k) % 40];
      lines.push(`      - { to: ${d}, relationship: many_to_one, on: "{${f}}.${d}_key = {${d}}.${d}_key" }`);
    }
    lines.push('    dimensions:', `      - { name: at, type: time, expr: created_at }`);
    dimMembers.push({ model: f, member: `${f}.at`, time: true, reach: new Set([f]) });
    lines.push('    measures:');
    for (let m = 0; m < 8; m++) lines.push(`      - { name: m${m}, agg: ${pick(['sum', 'count_distinct', 'avg', 'max'])}, expr: "value_${m} * 1" }`);
  }
  for (const [i, d] of dims.entries()) {
    lines.push(`  - name: ${d}`, `    table: bench.${d}`, '    dimensions:');
    for (let k = 0; k < 5; k++) {
      lines.push(`      - { name: attr_${k}, expr: "lower(attr_${k})" }`);
      dimMembers.push({ model: d, member: `${d}.attr_${k}`, time: false, index: i });
    }
  }
  const metrics = [];
  lines.push('metrics:');
  for (let i = 0; i < 100; i++) {
    const f = facts[i % 10];
    const name = `metric_${i}`;
    if (i < 80) lines.push(`  - { name: ${name}, type: simple, measure: ${f}.m${i % 8} }`);
    else if (i < 90) lines.push(`  - { name: ${name}, type: ratio, numerator: metric_${i - 80}, denominator: metric_${i - 70} }`);
    else lines.push(`  - { name: ${name}, type: derived, expr: "metric_${i - 90} * 2 + metric_${i - 80}" }`);
    metrics.push({ name, fact: i < 80 ? f : facts[(i - 80) % 10] });
  }
  return { yaml: lines.join('\n') + '\n', facts, dims, dimMembers, metrics };
}

/** A random query that is answerable: dimensions reachable from the metric's fact model. */
export function randomQuery(g, layer) {
  const metric = pick(g.metrics.filter((m) => m.name.startsWith('metric_') && Number(m.name.slice(7)) < 80));
  const reachable = g.dimMembers.filter((d) => d.model === metric.fact || layer.paths[metric.fact]?.[d.model]);
  const dimensions = [];
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) {
    const d = pick(reachable);
    const m = d.time ? `${d.member}.${pick(['day', 'week', 'month', 'quarter', 'year'])}` : d.member;
    if (!dimensions.includes(m)) dimensions.push(m);
  }
  const filterDim = pick(reachable.filter((d) => !d.time));
  const q = { metrics: [metric.name], dimensions, filters: filterDim ? [{ member: filterDim.member, op: 'in', values: ['a', 'b'] }] : [], order: [{ member: metric.name, desc: true }], limit: 100 };
  return q;
}

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

export async function benchSemantic() {
  const g = generateLayer();
  let t = performance.now();
  await initSqlParser();
  const parserMs = performance.now() - t;
  t = performance.now();
  const { layer, diagnostics } = loadSemanticLayer([{ file: 'semantic/bench.yml', text: g.yaml }], { resolveRef: () => undefined, refNames: [] });
  const loadMs = performance.now() - t;
  if (!layer) throw new Error(JSON.stringify(diagnostics.slice(0, 3)));
  const queries = Array.from({ length: 10000 }, () => randomQuery(g, layer));
  for (const q of queries.slice(0, 500)) planQuery(layer, parseMetricQuery(q)); // warm up the JIT
  const times = [];
  for (const q of queries) {
    const s = performance.now();
    planQuery(layer, parseMetricQuery(q));
    times.push(performance.now() - s);
  }
  const out = {
    models: Object.keys(layer.models).length,
    metrics: Object.keys(layer.metrics).length,
    dimensions: g.dimMembers.length,
    parserInitMs: parserMs,
    loadMs,
    median: pct(times, 0.5),
    p99: pct(times, 0.99),
  };
  out.e2e = await endToEnd();
  return out;
}

/** Planner + pg vs hand-written SQL + pg, same data, alternating, on PostgreSQL. */
async function endToEnd() {
  const url = process.env.STRATA_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch {
    return undefined;
  }
  const s = 'bench_semantic';
  await client.query(`drop schema if exists ${s} cascade; create schema ${s};
    create table ${s}.fact_sales as select g as id, 1 + g % 50 as customer_key, (g % 97)::numeric as amount from generate_series(1, 20000) g;
    create table ${s}.dim_customer as select g as customer_key, (array['EMEA','AMER','APAC'])[1 + g % 3] as region from generate_series(1, 50) g;`);
  const yaml = `semantic_models:
  - name: sales
    table: ${s}.fact_sales
    joins: [{ to: customer, relationship: many_to_one, on: "{sales}.customer_key = {customer}.customer_key" }]
    measures: [{ name: revenue, agg: sum, expr: amount }]
  - name: customer
    table: ${s}.dim_customer
    dimensions: [{ name: region }]
metrics:
  - { name: revenue, type: simple, measure: sales.revenue }
`;
  const { layer } = loadSemanticLayer([{ file: 'e2e.yml', text: yaml }], { resolveRef: () => undefined, refNames: [] });
  const query = { metrics: ['revenue'], dimensions: ['customer.region'], filters: [{ member: 'customer.region', op: 'in', values: ['EMEA', 'APAC'] }] };
  const handSql = `select c.region as "customer.region", sum(f.amount) as revenue from ${s}.fact_sales f left join ${s}.dim_customer c on f.customer_key = c.customer_key where c.region in ($1, $2) group by 1 order by 1`;
  const viaPlanner = [];
  const byHand = [];
  for (let i = 0; i < 400; i++) {
    let t = performance.now();
    const plan = planQuery(layer, parseMetricQuery(query));
    await client.query(plan.sql, plan.params);
    viaPlanner.push(performance.now() - t);
    t = performance.now();
    await client.query(handSql, ['EMEA', 'APAC']);
    byHand.push(performance.now() - t);
  }
  await client.query(`drop schema ${s} cascade`);
  await client.end();
  const a = pct(viaPlanner.slice(50), 0.5);
  const b = pct(byHand.slice(50), 0.5);
  return { planner: a, hand: b, overhead: a - b };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchSemantic();
  console.log(formatSemantic(r));
}

export function formatSemantic(r) {
  const e = r.e2e ? `; end to end on PostgreSQL: planner+query median ${r.e2e.planner.toFixed(3)} ms vs hand-written SQL ${r.e2e.hand.toFixed(3)} ms (overhead ${r.e2e.overhead.toFixed(3)} ms)` : '; end to end skipped (no PostgreSQL)';
  return `semantic ${r.models} models / ${r.metrics} metrics / ${r.dimensions} dimensions: load+validate ${r.loadMs.toFixed(1)} ms (+ parser init ${r.parserInitMs.toFixed(1)} ms); planning 10,000 queries median ${(r.median * 1000).toFixed(1)} µs, p99 ${(r.p99 * 1000).toFixed(1)} µs${e}`;
}
