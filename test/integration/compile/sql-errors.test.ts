// SQL errors at the user's file:line:col: syntax errors found at compile time (exit 2, nothing
// sent to the database) and database errors of a run (exit 1) mapped back through the
// statement, the compiled SQL and the render source map to the template.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, strata } from '../../helpers/strata-cli.js';
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

async function compileFiles(files: Record<string, string>, command = 'compile'): Promise<{ code: number; diags: Diag[]; dir: string }> {
  const dir = await writeTempProject({ 'strata_project.yml': 'name: shop\nprofile: shop\n', ...files });
  const r = await cli([command, '--project-dir', dir, '--log-format', 'json']);
  const diags = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string } & Diag)
    .filter((e) => e.type === 'diagnostic');
  return { code: r.code, diags, dir };
}

const MACROS = {
  'macros/cols.sql': [
    '{% macro order_cols() %}',
    '  id,',
    '  amount,',
    '{% endmacro %}',
    '{% macro bad_cols() %}id,, amount{% endmacro %}',
    '',
  ].join('\n'),
};

describe('sql-syntax at compile time', () => {
  it('a syntax error after Jinja blocks is located at its template line:col (exit 2, nothing written or sent)', async () => {
    const model = [
      "{{ config(materialized='table') }}",
      '{% set methods = ["card", "cash"] %}',
      'select',
      '  id,',
      '  {%- for m in methods %}',
      "  sum(case when method = '{{ m }}' then amount end) as {{ m }}_amount,",
      '  {%- endfor %}',
      '  status,',
      "from {{ ref('stg') }}",
      'group by 1, 2',
    ].join('\n');
    const { code, diags, dir } = await compileFiles({ 'models/stg.sql': 'select 1 as id', 'models/orders.sql': model });
    expect(code).toBe(2);
    const errors = diags.filter((d) => d.severity === 'error');
    expect(errors, JSON.stringify(diags)).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'sql-syntax', file: 'models/orders.sql', line: 9, col: 1, message: 'syntax error at or near "from"' });
    expect(errors[0]!.hint).toContain('trailing comma');
    expect(errors[0]!.frame).toMatch(/> +9 \| from \{\{ ref\('stg'\) \}\}/);
    expect(existsSync(path.join(dir, 'target/manifest.json'))).toBe(false);
    expect(existsSync(path.join(dir, '.strata'))).toBe(false);
  });

  it('SQL printed by a macro maps to the line of the macro call', async () => {
    const model = ['-- orders', '{% set x = 1 %}', 'select', '  status, {{ bad_cols() }}', 'from raw_orders'].join('\n');
    const { code, diags } = await compileFiles({ ...MACROS, 'models/orders.sql': model });
    expect(code).toBe(2);
    expect(diags.filter((d) => d.severity === 'error')).toMatchObject([
      { code: 'sql-syntax', file: 'models/orders.sql', line: 4, col: 11, message: 'syntax error at or near ","' },
    ]);
  });

  it('run and build stop with exit 2 before touching the database', async () => {
    for (const command of ['run', 'build']) {
      const { code, diags, dir } = await compileFiles({ 'models/a.sql': 'select\n  1 as x\n  2 as y' }, command);
      expect(code).toBe(2);
      expect(diags.filter((d) => d.severity === 'error')).toMatchObject([{ code: 'sql-syntax', file: 'models/a.sql', line: 3, col: 3 }]);
      expect(existsSync(path.join(dir, '.strata'))).toBe(false);
    }
  });

  it('a snapshot body and a singular test are located in their own files', async () => {
    const snapshot = [
      '{% snapshot snap %}',
      "{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols='all') }}",
      'select id,, name from raw_people',
      '{% endsnapshot %}',
    ].join('\n');
    const { code, diags } = await compileFiles({
      'snapshots/snap.sql': snapshot,
      'tests/no_negative.sql': 'select *\nfrom raw\nwhere amount < 0 and and amount > 1',
    });
    expect(code).toBe(2);
    const errors = diags.filter((d) => d.severity === 'error').sort((a, b) => (a.file ?? '').localeCompare(b.file ?? ''));
    expect(errors).toMatchObject([
      { code: 'sql-syntax', file: 'snapshots/snap.sql', line: 3, col: 11 },
      { code: 'sql-syntax', file: 'tests/no_negative.sql', line: 3, col: 22 },
    ]);
  });

  it('valid SQL of every shape is not rejected: VALUES, WITH, comments, ephemerals, unions, dynamic and user materializations', async () => {
    const { code, diags } = await compileFiles({
      ...MACROS,
      'models/vals.sql': '-- a comment first\nvalues (1, 2), (3, 4)',
      'models/eph.sql': "{{ config(materialized='ephemeral') }}\nselect 1 as id",
      'models/uses_eph.sql': "with x as (select * from {{ ref('eph') }})\nselect * from x\nunion all (select 2)",
      'models/macro_ok.sql': 'select\n  {{ order_cols() }}\n  status\nfrom raw_orders /* trailing */',
      // rendered again at execution time: only checked then
      'models/dyn.sql': "{% if execute %}select 1 as a{% else %}select , broken{% endif %}",
      'macros/mat.sql': "{% materialization odd, default %}{% call statement('main') %}{{ sql }}{% endcall %}{{ return({'relations': []}) }}{% endmaterialization %}",
      'models/custom.sql': "{{ config(materialized='odd') }}\ninsert into somewhere values (1",
    });
    expect(diags.filter((d) => d.severity === 'error'), JSON.stringify(diags)).toEqual([]);
    expect(code).toBe(0);
  });
});

const UPSTREAM = {
  'seeds/raw_customers.csv': 'id,name,signup_at\n1,Ada,2024-01-01\n2,Alan,2024-02-01\n',
  'models/stg_customers.sql': "select id, name, signup_at from {{ ref('raw_customers') }}",
};

interface RunResults {
  results: { unique_id: string; status: string; message: string | null }[];
}

for (const db of testDatabases()) {
  describe(`database errors located on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    async function build(files: Record<string, string>): Promise<{ code: number; stdout: string; results: RunResults['results'] }> {
      const { dir, schema } = await projectFor(db, { ...UPSTREAM, ...files });
      schemas.push(schema);
      const r = await strata(['build', '--project-dir', dir]);
      const results = (JSON.parse(await readFile(path.join(dir, 'target/run_results.json'), 'utf8')) as RunResults).results;
      return { code: r.code, stdout: r.stdout, results };
    }

    const message = (results: RunResults['results'], id: string): string => results.find((x) => x.unique_id === id)?.message ?? '';

    it('undefined column: file:line:col, code frame and did-you-mean from the upstream columns', async () => {
      const model = [
        "{{ config(materialized='table') }}",
        '{% set cols = ["id", "name"] %}',
        'select',
        '  {% for c in cols %}{{ c }}, {% endfor %}',
        '  signup_date',
        "from {{ ref('stg_customers') }}",
      ].join('\n');
      const r = await build({ 'models/customers.sql': model });
      expect(r.code).toBe(1);
      const m = message(r.results, 'model.t.customers');
      expect(m).toMatch(/^models\/customers\.sql:5:3: column "signup_date" does not exist/);
      expect(m).toContain("did you mean 'signup_at'?");
      expect(r.stdout).toContain('[SQLSTATE 42703]');
      expect(r.stdout).toContain('> 5 |   signup_date');
      expect(r.results.find((x) => x.unique_id === 'model.t.stg_customers')?.status).toBe('success');
    });

    it('undefined relation, undefined function and type mismatch each name file:line', async () => {
      const r = await build({
        'models/no_rel.sql': "{{ config(materialized='table') }}\n\nselect *\nfrom missing_schema_x.missing_table",
        'models/no_fn.sql': "select\n  id,\n  no_such_fn(name) as n\nfrom {{ ref('stg_customers') }}",
        'models/mismatch.sql': "{{ config(materialized='table') }}\nselect id\nfrom {{ ref('stg_customers') }}\nwhere case when id > 0 then name else 1 end = 'x'",
      });
      expect(r.code).toBe(1);
      const rel = message(r.results, 'model.t.no_rel');
      expect(rel).toMatch(/^models\/no_rel\.sql:4:6: (relation|schema) "missing_schema_x(\.missing_table)?" does not exist/);
      expect(message(r.results, 'model.t.no_fn')).toMatch(/^models\/no_fn\.sql:3:3: function no_such_fn\(text\) does not exist/);
      expect(message(r.results, 'model.t.no_fn')).toContain('argument types');
      const mm = message(r.results, 'model.t.mismatch');
      expect(mm).toMatch(/^models\/mismatch\.sql:4:\d+: /);
      expect(mm).toMatch(/CASE types (text|integer) and (text|integer) cannot be matched/);
      expect(mm).toContain('cast it explicitly');
    });

    it('a dynamic model is checked after its execution-time render, at its template line', async () => {
      const r = await build({
        'models/dyn.sql': "{{ config(materialized='table') }}\n{% if execute %}select 1 as a,\nfrom {{ ref('stg_customers') }}{% else %}select 1 as a{% endif %}",
      });
      expect(r.code).toBe(1);
      expect(message(r.results, 'model.t.dyn')).toMatch(/^models\/dyn\.sql:3:1: syntax error at or near "from"/);
      expect(r.stdout).toContain('error[sql-syntax]');
    });

    it('an error inside an inlined ephemeral model is located in the ephemeral model\'s file', async () => {
      const r = await build({
        'models/eph_people.sql': "{{ config(materialized='ephemeral') }}\nselect id,\n  upper(nmae) as name\nfrom {{ ref('stg_customers') }}",
        'models/people.sql': "{{ config(materialized='table') }}\nselect *\nfrom {{ ref('eph_people') }}",
      });
      expect(r.code).toBe(1);
      const m = message(r.results, 'model.t.people');
      expect(m).toMatch(/^models\/eph_people\.sql:3:9: column "nmae" does not exist/);
      expect(m).toContain("in ephemeral model 'eph_people'");
      expect(m).toContain("did you mean 'name'?");
    });

    it('a failing data test is located in its file', async () => {
      const r = await build({ 'tests/bad_col.sql': "select *\nfrom {{ ref('stg_customers') }}\nwhere nmae is null" });
      expect(r.code).toBe(1);
      const m = message(r.results, 'test.t.bad_col');
      expect(m).toMatch(/^tests\/bad_col\.sql:3:7: column "nmae" does not exist/);
      expect(m).toContain("did you mean 'name'?");
    });
  });
}
