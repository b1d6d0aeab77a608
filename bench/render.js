// bench/render: what execution-time rendering costs (issue "dbt's Jinja, rendered at execution time").
//
// 1. Parse (`strata ls`) of the 10,000-model project of bench/compile.js, cold and warm.
// 2. `strata run` of 1,000 trivial views (bench/scheduler.js's project) in three variants, same
//    DAG: static SQL (rendered once at parse, the previous figure), every view reading `execute`
//    (rendered again right before it runs: the bridge with no statement), and every view calling
//    adapter.get_columns_in_relation on its parent (one catalog query each: the render runs twice,
//    the replay answers the first query on the second pass). Run phase = run_results elapsed_time.
// 3. In-process: one render attempt of a dynamic template with its statement already answered.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, timeStrata, median, fmt } from './lib.js';
import { CLEAN_ENV, assertAllSucceeded, dropSchema, writeBenchProject } from './db.js';
import { generateProject } from './compile.js';

function views(n, variant) {
  const files = { 'strata_project.yml': 'name: bench\nprofile: bench\nmodels:\n  bench:\n    +materialized: view\n' };
  for (let i = 0; i < n; i++) {
    const name = `v_${String(i).padStart(5, '0')}`;
    const prev = `v_${String(i - 1).padStart(5, '0')}`;
    const root = i % 5 === 0;
    let sql = root ? 'select 1 as x\n' : `select x + 1 as x from {{ ref('${prev}') }}\n`;
    if (variant === 'execute') sql = `{% if execute %}{% endif %}${sql}`;
    if (variant === 'introspect' && !root) {
      sql = `{% set cols = adapter.get_columns_in_relation(ref('${prev}')) %}select {% for c in cols %}{{ c.name }} + 1 as {{ c.name }}{% else %}1 as x{% endfor %} from {{ ref('${prev}') }}\n`;
    }
    files[`models/g${String(Math.floor(i / 100)).padStart(3, '0')}/${name}.sql`] = sql;
  }
  return files;
}

async function runPhase(db, variant, n, runs) {
  const schema = `bench_render_${variant}_${db}`;
  const dir = writeBenchProject(`render-${variant}-${db}`, db, schema, views(n, variant), 8);
  timeStrata(['compile', '--project-dir', dir, '--no-introspect'], { env: CLEAN_ENV });
  const reset = async () => {
    if (db === 'postgres') await dropSchema(schema);
    else rmSync(join(dir, '.strata'), { recursive: true, force: true });
  };
  const phase = [];
  try {
    for (let r = 0; r < runs; r++) {
      await reset();
      timeStrata(['run', '--project-dir', dir, '--threads', '8'], { env: CLEAN_ENV });
      phase.push(assertAllSucceeded(dir, n).elapsed_time * 1000);
    }
  } finally {
    await reset();
  }
  return median(phase);
}

async function inProcessAttempt() {
  const { createRenderer } = await import('../dist/compiler/jinja/index.js');
  const answer = { columns: [{ name: 'column_name', typeId: 25 }, { name: 'data_type', typeId: 25 }], rows: [['x', 'integer']], rowCount: 1 };
  const r = createRenderer({ projectName: 'b', macroFiles: [], docFiles: [], target: { schema: 's' }, projectVars: {}, cliVars: {}, env: {}, execute: true, queryRunner: () => answer });
  const node = { unique_id: 'model.b.m', name: 'm', resource_type: 'model', package_name: 'b', original_file_path: 'models/m.sql', database: 'd', schema: 's', alias: 'm', config: {} };
  const src = "{% set cols = adapter.get_columns_in_relation(ref('p')) %}select {% for c in cols %}{{ c.name }}{% endfor %} from {{ ref('p') }}";
  for (let i = 0; i < 2000; i++) r.render(node, src);
  const t = performance.now();
  const k = 20000;
  for (let i = 0; i < k; i++) r.render(node, src);
  return (performance.now() - t) / k;
}

export async function benchRender({ n = 1000, runs = 3 } = {}) {
  const dir = join(ROOT, 'bench', '.work', 'compile-10000');
  generateProject(dir, 10000);
  const lsCold = [];
  const lsWarm = [];
  for (let r = 0; r < runs; r++) {
    rmSync(join(dir, 'target'), { recursive: true, force: true });
    lsCold.push(timeStrata(['ls', '--project-dir', dir], { env: CLEAN_ENV }).ms);
    lsWarm.push(timeStrata(['ls', '--project-dir', dir], { env: CLEAN_ENV }).ms);
  }
  const out = { lsCold: median(lsCold), lsWarm: median(lsWarm), attemptMs: await inProcessAttempt(), runs: {} };
  for (const db of ['postgres', 'pglite']) {
    const row = {};
    for (const v of ['static', 'execute', 'introspect']) row[v] = await runPhase(db, v, n, runs);
    out.runs[db] = row;
  }
  return { n, ...out };
}

export function formatRender(r) {
  const lines = [
    `parse (ls) 10,000 models: cold ${fmt(r.lsCold)}, warm ${fmt(r.lsWarm)}`,
    `one render attempt of a dynamic model (statement answered from the replay memo): ${r.attemptMs.toFixed(3)} ms`,
  ];
  for (const [db, row] of Object.entries(r.runs)) {
    const per = (v) => ((row[v] - row.static) / r.n).toFixed(2);
    lines.push(
      `run ${r.n} views on ${db}: static ${fmt(row.static)}, reading execute ${fmt(row.execute)} (+${per('execute')} ms/node), ` +
        `introspecting the parent ${fmt(row.introspect)} (+${per('introspect')} ms/node incl. its catalog query)`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && process.argv[1].endsWith('render.js')) {
  console.log(formatRender(await benchRender()));
}
