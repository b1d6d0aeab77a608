// bench/compile: cold and warm `strata compile` on generated layered projects (issue 2).
// Each model refs 1-3 earlier models, has a config block, a macro call, two CTEs and a
// schema.yml entry with two tests. Whole processes are timed, as a user would see them.
import { mkdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, timeStrata, median, fmt } from './lib.js';

const PER_FOLDER = 100;

/** Deterministic pseudo-random numbers so every run builds the same project. */
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

export function generateProject(dir, n) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'macros'), { recursive: true });
  writeFileSync(join(dir, 'strata_project.yml'), `name: bench\nprofile: bench\nmodels:\n  bench:\n    +materialized: view\n`);
  writeFileSync(
    join(dir, 'macros', 'money.sql'),
    `{% macro cents_to_dollars(col, scale=2) -%}\n  round({{ col }} / 100.0, {{ scale }})\n{%- endmacro %}\n`,
  );
  const rand = rng(42);
  for (let i = 0; i < n; i++) {
    const folder = `layer_${String(Math.floor(i / PER_FOLDER)).padStart(3, '0')}`;
    const fdir = join(dir, 'models', folder);
    if (i % PER_FOLDER === 0) {
      mkdirSync(fdir, { recursive: true });
      writeFileSync(join(fdir, 'schema.yml'), 'version: 2\nmodels:\n');
    }
    const name = `m_${String(i).padStart(5, '0')}`;
    let sql;
    if (i < 10) {
      sql = `{{ config(materialized='table', tags=['root']) }}\nwith a as (select generate_series(1, 10) as id), b as (select id, {{ cents_to_dollars('id * 150') }} as amount from a)\nselect id, amount from b\n`;
    } else {
      const k = 1 + Math.floor(rand() * 3);
      const parents = new Set();
      while (parents.size < k) parents.add(Math.floor(rand() * i));
      const [p0, ...rest] = [...parents].map((p) => `m_${String(p).padStart(5, '0')}`);
      const joins = rest.map((p, j) => `\n  join {{ ref('${p}') }} as r${j} using (id)`).join('');
      sql =
        `{{ config(materialized='${i % 5 === 0 ? 'table' : 'view'}', tags=['${folder}']) }}\n` +
        `with a as (\n  select id, amount from {{ ref('${p0}') }}\n), b as (\n  select a.id, {{ cents_to_dollars('a.amount') }} as amount from a${joins}\n)\nselect id, amount from b\n`;
    }
    writeFileSync(join(fdir, `${name}.sql`), sql);
    appendFileSync(
      join(fdir, 'schema.yml'),
      `  - name: ${name}\n    description: Model ${i}\n    columns:\n      - name: id\n        tests: [unique, not_null]\n`,
    );
  }
}

export function benchCompile(n, runs = 3) {
  const dir = join(ROOT, 'bench', '.work', `compile-${n}`);
  generateProject(dir, n);
  const args = ['compile', '--project-dir', dir];
  const cold = [];
  const coldRss = [];
  for (let r = 0; r < runs; r++) {
    rmSync(join(dir, 'target'), { recursive: true, force: true });
    const t = timeStrata(args);
    cold.push(t.ms);
    coldRss.push(t.rssMb);
  }
  const noChange = [];
  for (let r = 0; r < runs; r++) noChange.push(timeStrata(args).ms);
  const edited = [];
  const editedRss = [];
  for (let r = 0; r < runs; r++) {
    const f = join(dir, 'models', 'layer_000', 'm_00050.sql');
    appendFileSync(f, `-- edit ${r}\n`);
    const t = timeStrata(args);
    edited.push(t.ms);
    editedRss.push(t.rssMb);
  }
  // The naive approach: no cache, every file rendered again, as on every dbt parse.
  const naive = [];
  for (let r = 0; r < runs; r++) naive.push(timeStrata([...args, '--no-cache']).ms);
  return {
    models: n,
    cold: median(cold),
    coldPeakMb: Math.max(...coldRss),
    warmNoChange: median(noChange),
    warmOneEdit: median(edited),
    warmPeakMb: Math.max(...editedRss),
    naiveNoCache: median(naive),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number).filter(Boolean);
  for (const n of sizes.length ? sizes : [1000, 10000]) {
    const r = benchCompile(n);
    console.log(
      `compile ${r.models} models: cold ${fmt(r.cold)} (peak ${r.coldPeakMb.toFixed(0)} MB), ` +
        `warm no change ${fmt(r.warmNoChange)}, warm after 1 edit ${fmt(r.warmOneEdit)} (peak ${r.warmPeakMb.toFixed(0)} MB), ` +
        `naive --no-cache ${fmt(r.naiveNoCache)}`,
    );
  }
}
