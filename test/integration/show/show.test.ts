/**
 * `strata show` (dbt show) against a real database: a built model's rows as a table, JSON and
 * CSV with --limit, a seed, an execution-time (dynamic) model, --inline with ref() and a project
 * macro, and the errors: unknown model (exit 2, did-you-mean), unknown ref in --inline, and a
 * database error located in the model's file (exit 1). show builds nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata } from '../../helpers/strata-cli.js';

const FILES: Record<string, string> = {
  'seeds/people.csv': 'id,name\n1,ada\n2,alan\n3,grace\n4,edsger\n5,barbara\n6,donald\n7,john\n',
  'macros/twice.sql': '{% macro twice(c) %}({{ c }} * 2){% endmacro %}\n',
  'models/people_up.sql': "select id, upper(name) as name, date '2024-05-01' + id as joined from {{ ref('people') }}\norder by id\n",
  'models/not_built.sql': "select id from {{ ref('people') }}\n",
  'models/boom.sql': "select id,\n  nmae as typo\nfrom {{ ref('people') }}\n",
  'models/cast.sql': "select name::int as n from {{ ref('people') }}\n",
  // rendered at execution time: asks the database for the largest id
  'models/dyn.sql': [
    "{% set top = run_query('select max(id) as m from ' ~ ref('people')) %}",
    "select id from {{ ref('people') }} where id = {{ top.columns[0].values()[0] if execute else 0 }}",
    '',
  ].join('\n'),
};

for (const db of testDatabases()) {
  describe(`strata show on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    async function built(): Promise<{ dir: string; schema: string }> {
      const p = await projectFor(db, FILES);
      schemas.push(p.schema);
      const b = await strata(['build', '--project-dir', p.dir, '-s', 'people', 'people_up', 'dyn']);
      expect(b.code, b.stdout + b.stderr).toBe(0);
      return p;
    }

    it('prints a model as a table (default limit 5), JSON and CSV; --limit N and -1', async () => {
      const { dir, schema } = await built();
      const t = await strata(['show', '--project-dir', dir, '-s', 'people_up']);
      expect(t.code, t.stderr).toBe(0);
      expect(t.stdout).toContain("Previewing node 'people_up':");
      const lines = t.stdout.split('\n');
      const header = lines.findIndex((l) => /^id \| name/.test(l));
      expect(lines[header]).toMatch(/^id \| name +\| joined$/);
      expect(lines[header + 1]).toMatch(/^-+-\+-+-\+-+$/);
      expect(lines[header + 2]).toMatch(/^ *1 \| ADA +\| 2024-05-02/);
      expect(lines.slice(header + 2).filter((l) => /^ *\d+ \|/.test(l))).toHaveLength(5);
      expect(t.stdout).toContain('(5 rows)');

      const j = await strata(['show', '--project-dir', dir, '-s', 'people_up', '--output', 'json', '--limit', '2']);
      expect(j.code, j.stderr).toBe(0);
      const parsed = JSON.parse(j.stdout) as { node: string; show: { id: number; name: string }[] };
      expect(parsed.node).toBe('people_up');
      expect(parsed.show.map((r) => [Number(r.id), r.name])).toEqual([
        [1, 'ADA'],
        [2, 'ALAN'],
      ]);

      const c = await strata(['show', '--project-dir', dir, '-s', 'people_up', '--output', 'csv', '--limit', '-1']);
      expect(c.code, c.stderr).toBe(0);
      const csv = c.stdout.trim().split('\n');
      expect(csv[0]).toBe('id,name,joined');
      expect(csv).toHaveLength(8);
      expect(csv[7]).toMatch(/^7,JOHN,2024-05-08/);

      // a seed reads its table; nothing was built by show
      const s = await strata(['show', '--project-dir', dir, '-s', 'people', '--output', 'json', '--limit', '1']);
      expect(s.code, s.stderr).toBe(0);
      expect((JSON.parse(s.stdout) as { show: { name: string }[] }).show.map((r) => r.name)).toEqual(['ada']);
      const rels = await queryDb<{ table_name: string }>(db, dir, 'select table_name from information_schema.tables where table_schema = $1 order by 1', [schema]);
      expect(rels.map((r) => r.table_name)).not.toContain('not_built');
    });

    it('a dynamic model is rendered at execution time before it runs', async () => {
      const { dir } = await built();
      const r = await strata(['show', '--project-dir', dir, '-s', 'dyn', '--output', 'json']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { show: { id: unknown }[] }).show.map((x) => Number(x.id))).toEqual([7]);
    });

    it('--inline renders refs and project macros', async () => {
      const { dir } = await built();
      const r = await strata([
        'show', '--project-dir', dir, '--output', 'json', '--limit', '3',
        '--inline', "select id, {{ twice('id') }} as doubled from {{ ref('people_up') }} where id > 4 order by id",
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { node: string; show: { id: unknown; doubled: unknown }[] };
      expect(out.node).toBe('inline_query');
      expect(out.show.map((x) => [Number(x.id), Number(x.doubled)])).toEqual([
        [5, 10],
        [6, 12],
        [7, 14],
      ]);
      const t = await strata(['show', '--project-dir', dir, '--inline', 'select 42 as answer']);
      expect(t.code).toBe(0);
      expect(t.stdout).toContain('Previewing inline node:');
      expect(t.stdout).toMatch(/answer\n-+\n *42\n\(1 row\)/);
    });

    it('unknown model: exit 2 with did-you-mean, nothing sent', async () => {
      const { dir } = await built();
      const r = await strata(['show', '--project-dir', dir, '-s', 'people_upp']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('[selector-invalid]');
      expect(r.stderr).toContain("did you mean 'people_up'?");
      const i = await strata(['show', '--project-dir', dir, '--inline', "select * from {{ ref('peple') }}"]);
      expect(i.code).toBe(2);
      expect(i.stderr).toContain('[ref-not-found]');
      expect(i.stderr).toContain("did you mean 'people'?");
      const bad = await strata(['show', '--project-dir', dir, '-s', 'people_up', '--limit', 'many']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--limit must be');
    });

    it('a database error: exit 1 with the message at the model file:line', async () => {
      const { dir } = await built();
      const r = await strata(['show', '--project-dir', dir, '-s', 'boom']);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('column "nmae" does not exist');
      expect(r.stdout).toContain('[database-error]');
      // the server's position, through the show wrapper and the source map, to the template
      expect(r.stdout).toContain('models/boom.sql:2:3');
      // a data error has no position: the file is still named
      const c = await strata(['show', '--project-dir', dir, '-s', 'cast']);
      expect(c.code).toBe(1);
      expect(c.stdout).toMatch(/models\/cast\.sql: error\[database-error\]: invalid input syntax for type integer/);
      const i = await strata(['show', '--project-dir', dir, '--inline', 'select 1 / 0 as x']);
      expect(i.code).toBe(1);
      expect(i.stdout).toContain('division by zero');
      // read-only: even unwrapped (--limit -1) a statement that writes is refused by the server
      const w = await strata(['show', '--project-dir', dir, '--limit', '-1', '--inline', 'create table show_wrote as select 1 as x']);
      expect(w.code).toBe(1);
      expect(w.stdout).toContain('read-only transaction');
    });
  });
}
