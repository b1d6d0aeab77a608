// Located errors: each error class reports its code and the user's own file:line(:col), exits 2,
// reports every error of the run together, and never touches a database.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTempProject } from '../../helpers/temp-project.js';
import { cli } from './helpers.js';

interface Diag {
  code: string;
  severity: string;
  message: string;
  file?: string;
  line?: number;
  col?: number;
  hint?: string;
  frame?: string;
}

const PROJECT = 'name: shop\nprofile: shop\n';

/** Compiles a project from a file map with `--log-format json`; returns exit code and diagnostics. */
async function compileFiles(files: Record<string, string>): Promise<{ code: number; diags: Diag[]; dir: string; stdout: string }> {
  const dir = await writeTempProject({ 'strata_project.yml': PROJECT, ...files });
  const r = await cli(['compile', '--project-dir', dir, '--log-format', 'json']);
  const diags = r.stderr
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string } & Diag)
    .filter((e) => e.type === 'diagnostic');
  return { code: r.code, diags, dir, stdout: r.stdout };
}

/** Asserts a failed compile with exactly one error matching `expected`, and no database. */
async function expectError(files: Record<string, string>, expected: Partial<Diag>): Promise<Diag> {
  const { code, diags, dir } = await compileFiles(files);
  expect(code).toBe(2);
  const errors = diags.filter((d) => d.severity === 'error');
  expect(errors, JSON.stringify(diags)).toHaveLength(1);
  expect(errors[0]).toMatchObject(expected);
  expect(existsSync(path.join(dir, '.strata'))).toBe(false);
  expect(existsSync(path.join(dir, 'target/manifest.json'))).toBe(false);
  return errors[0]!;
}

describe('located compile errors', () => {
  it('missing ref: code, file:line:col of the ref() call, did-you-mean hint', async () => {
    const d = await expectError(
      {
        'models/stg_orders.sql': 'select 1 as id',
        'models/orders.sql': 'select *\nfrom {{ ref("stg_order") }}\n',
      },
      { code: 'ref-not-found', file: 'models/orders.sql', line: 2, col: 9 },
    );
    expect(d.hint).toContain("did you mean 'stg_orders'");
    expect(d.frame).toContain('stg_order');
  });

  it('missing source: points at the source() call with a hint', async () => {
    const d = await expectError(
      {
        'models/src.yml': 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\n',
        'models/orders.sql': '-- orders\n\nselect * from {{ source("raw", "order") }}\n',
      },
      { code: 'source-not-found', file: 'models/orders.sql', line: 3, col: 18 },
    );
    expect(d.hint).toContain("did you mean 'orders'");
  });

  it('cycle: full path and every file:line', async () => {
    const d = await expectError(
      {
        'models/a.sql': 'select * from {{ ref("c") }}',
        'models/b.sql': 'select * from {{ ref("a") }}',
        'models/c.sql': '\nselect * from {{ ref("b") }}',
      },
      { code: 'cycle', file: 'models/a.sql', line: 1 },
    );
    expect(d.message).toBe('dependency cycle: a -> b -> c -> a');
    expect(d.hint).toContain('a (models/a.sql:1) -> b (models/b.sql:1) -> c (models/c.sql:1)');
  });

  it('Jinja syntax error: line and column in the model file', async () => {
    await expectError(
      { 'models/m.sql': 'select 1\n{% if true %}\nselect 2\n' },
      { code: 'jinja-syntax', file: 'models/m.sql' },
    ).then((d) => expect(d.line).toBeGreaterThanOrEqual(2));
    await expectError({ 'models/m.sql': 'select 1,\n  {{ 1 + }} as x\n' }, { code: 'jinja-syntax', file: 'models/m.sql', line: 2, col: 10 });
  });

  it('undefined variable', async () => {
    await expectError(
      // printing an unset name renders nothing (dbt's behaviour); using it is the error
      { 'models/m.sql': 'select 1 as a,\n  {{ not_defined_anywhere.column }} as b\n' },
      { code: 'undefined-variable', file: 'models/m.sql', line: 2, col: 6 },
    );
  });

  it('undefined macro, with a hint naming the closest macro', async () => {
    const d = await expectError(
      {
        'macros/m.sql': '{% macro cents_to_dollars(c) %}{{ c }} / 100{% endmacro %}',
        'models/m.sql': 'select\n  {{ cents_to_dollar("x") }} as y\n',
      },
      { code: 'undefined-macro', file: 'models/m.sql', line: 2, col: 6 },
    );
    expect(d.hint ?? '').toContain('cents_to_dollars');
  });

  it('error raised inside a macro called from a model: the raise in the macro, and the call site in the model', async () => {
    const d = await expectError(
      {
        'macros/guard.sql': '{% macro guard(x) %}\n  {% if x < 0 %}\n    {{ exceptions.raise_compiler_error("negative: " ~ x) }}\n  {% endif %}\n  {{ x }}\n{% endmacro %}\n',
        'models/m.sql': 'select\n\n  {{ guard(-1) }} as y\n',
      },
      { code: 'macro-error', file: 'macros/guard.sql', line: 3, col: 8 },
    );
    expect(d.message).toContain('negative: -1');
    expect(d.message).toContain('models/m.sql:3');
  });

  it('bad YAML syntax: file and line of the YAML error', async () => {
    await expectError(
      {
        'models/m.sql': 'select 1',
        'models/schema.yml': 'version: 2\nmodels:\n  - name: m\n    description: [unclosed\n',
      },
      { code: 'yaml-syntax', file: 'models/schema.yml' },
    ).then((d) => expect(d.line).toBeGreaterThanOrEqual(4));
  });

  it('bad config value (materialized: 5) in YAML', async () => {
    await expectError(
      {
        'models/m.sql': 'select 1',
        'models/schema.yml': 'version: 2\nmodels:\n  - name: m\n    config:\n      materialized: 5\n',
      },
      { code: 'config-invalid', file: 'models/schema.yml', line: 5 },
    );
  });

  it('bad config value in a config() call', async () => {
    await expectError(
      { 'models/m.sql': '\n{{ config(materialized=5) }}\nselect 1' },
      { code: 'config-invalid', file: 'models/m.sql', line: 2, col: 4 },
    );
  });

  it('unknown config key in config() is a located warning with a hint; the compile succeeds', async () => {
    const { code, diags } = await compileFiles({
      'models/m.sql': '-- m\n{{ config(materialised="table") }}\nselect 1',
    });
    expect(code).toBe(0);
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({ code: 'config-unknown-key', severity: 'warning', file: 'models/m.sql', line: 2, col: 4 });
    expect(diags[0]!.hint).toContain('materialized');
  });

  it('missing var (no default)', async () => {
    await expectError(
      { 'models/m.sql': 'select\n  {{ var("start_date") }} as d\n' },
      { code: 'var-undefined', file: 'models/m.sql', line: 2, col: 6 },
    );
  });

  it('duplicate model names in two folders', async () => {
    const d = await expectError(
      { 'models/a/orders.sql': 'select 1', 'models/b/orders.sql': 'select 2' },
      { code: 'duplicate-node', file: 'models/b/orders.sql', line: 1 },
    );
    expect(d.message).toContain('models/a/orders.sql');
  });

  it('reports all errors of a run together (two broken models -> two diagnostics)', async () => {
    const { code, diags, dir } = await compileFiles({
      'models/ok.sql': 'select 1 as id',
      'models/a.sql': 'select * from {{ ref("nope") }}',
      'models/b.sql': 'select\n{{ undefined_thing() }}',
    });
    expect(code).toBe(2);
    const errors = diags.filter((d) => d.severity === 'error');
    expect(errors.map((e) => `${e.code}@${e.file}:${e.line}`).sort()).toEqual([
      'ref-not-found@models/a.sql:1',
      'undefined-macro@models/b.sql:2',
    ]);
    expect(existsSync(path.join(dir, '.strata'))).toBe(false);
  });

  it('text output prints the code frame and the "nothing was sent" line', async () => {
    const dir = await writeTempProject({ 'strata_project.yml': PROJECT, 'models/a.sql': 'select *\nfrom {{ ref("nope") }}' });
    const r = await cli(['compile', '--project-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('models/a.sql:2:');
    expect(r.stderr).toContain('ref-not-found');
    expect(r.stderr).toContain('nothing was sent to the database');
  });
});
