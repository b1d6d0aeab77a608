import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata } from '../../helpers/strata-cli.js';

const MODELS = {
  'seeds/raw_orders.csv': 'id,customer_id,amount,status\n1,1,10.50,open\n2,1,4.00,closed\n3,2,7.25,open\n',
  'models/stg_orders.sql': "select id, customer_id, amount, status from {{ ref('raw_orders') }}",
  'models/customer_totals.sql':
    "{{ config(materialized='incremental', unique_key='customer_id') }}\n" +
    "select customer_id, sum(amount) as total, count(*) as n, '{{ var('label', 'all') }}' as label\nfrom {{ ref('stg_orders') }}\n" +
    "{% if is_incremental() %}where status = 'open'{% endif %}\ngroup by customer_id",
  'models/after_totals.sql': "select * from {{ ref('customer_totals') }}",
};

const unit = (body: string): string => `version: 2\nunit_tests:\n${body}`;

const PASSING = unit(
  [
    '  - name: sums_per_customer',
    '    model: customer_totals',
    '    given:',
    "      - input: ref('stg_orders')",
    '        rows:',
    '          - {id: 1, customer_id: 7, amount: 1.5, status: open}',
    '          - {id: 2, customer_id: 7, amount: 2, status: closed}',
    '          - {id: 3, customer_id: 8, amount: 4}',
    '    expect:',
    '      rows:',
    '        - {customer_id: 7, total: 3.5, n: 2}',
    '        - {customer_id: 8, total: 4, n: 1}',
    '  - name: incremental_only_open',
    '    model: customer_totals',
    '    overrides:',
    '      macros: {is_incremental: true}',
    '      vars: {label: nightly}',
    '    given:',
    "      - input: ref('stg_orders')",
    '        format: csv',
    '        rows: |',
    '          id,customer_id,amount,status',
    '          1,7,1.5,open',
    '          2,7,2,closed',
    '    expect:',
    '      format: sql',
    "      rows: select 7 as customer_id, 1.5 as total, 1 as n, 'nightly' as label",
    '',
  ].join('\n'),
);

async function runResults(dir: string): Promise<Record<string, { status: string; message: string | null }>> {
  const body = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8')) as { results: { unique_id: string; status: string; message: string | null }[] };
  return Object.fromEntries(body.results.map((r) => [r.unique_id, r]));
}

for (const db of testDatabases()) {
  describe(`dbt unit tests on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('pass with dict, csv and sql fixtures and is_incremental / vars overrides; in the manifest, run_results and JUnit; nothing created', async () => {
      const { dir, schema } = await projectFor(db, { ...MODELS, 'models/unit.yml': PASSING });
      schemas.push(schema);
      expect((await strata(['build', '--project-dir', dir, '-s', 'raw_orders', 'stg_orders'])).code).toBe(0);
      const r = await strata(['test', '--project-dir', dir, '-s', 'test_type:unit', '--junit-xml', join(dir, 'target', 'junit.xml')]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const res = await runResults(dir);
      expect(Object.keys(res).sort()).toEqual(['unit_test.t.customer_totals.incremental_only_open', 'unit_test.t.customer_totals.sums_per_customer']);
      expect(res['unit_test.t.customer_totals.sums_per_customer']!.status).toBe('pass');
      expect(res['unit_test.t.customer_totals.incremental_only_open']!.status).toBe('pass');
      const manifest = JSON.parse(await readFile(join(dir, 'target', 'manifest.json'), 'utf8'));
      expect(manifest.unit_tests['unit_test.t.customer_totals.sums_per_customer']).toMatchObject({
        name: 'sums_per_customer',
        model: 'customer_totals',
        resource_type: 'unit_test',
        depends_on: { nodes: ['model.t.customer_totals'] },
      });
      const xml = await readFile(join(dir, 'target', 'junit.xml'), 'utf8');
      expect(xml).toMatch(/<testsuite name="unit tests" tests="2" failures="0"/);
      // Only queries: the model under test was never built.
      const rels = await queryDb<{ relname: string }>(db, dir, `select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and relkind in ('r', 'v') order by 1`, [schema]);
      expect(rels.map((x) => x.relname)).toEqual(['raw_orders', 'stg_orders']);
      // -s <model> brings its unit tests; -s <unit test name> selects one.
      expect((await strata(['test', '--project-dir', dir, '-s', 'sums_per_customer'])).code).toBe(0);
      expect(Object.keys(await runResults(dir))).toEqual(['unit_test.t.customer_totals.sums_per_customer']);
      expect((await strata(['test', '--project-dir', dir, '-s', 'customer_totals'])).code).toBe(0);
      expect(Object.keys(await runResults(dir)).sort()).toEqual(['unit_test.t.customer_totals.incremental_only_open', 'unit_test.t.customer_totals.sums_per_customer']);
    });

    it('a failing unit test shows expected vs actual rows; build skips the model and its children', async () => {
      const failing = PASSING.replace('- {customer_id: 8, total: 4, n: 1}', '- {customer_id: 8, total: 5, n: 1}');
      const { dir, schema } = await projectFor(db, { ...MODELS, 'models/unit.yml': failing });
      schemas.push(schema);
      const r = await strata(['build', '--project-dir', dir]);
      expect(r.code).toBe(1);
      const res = await runResults(dir);
      const ut = res['unit_test.t.customer_totals.sums_per_customer']!;
      expect(ut.status).toBe('fail');
      expect(ut.message).toContain('1 expected row not returned (-), 1 returned row not expected (+)');
      expect(ut.message).toMatch(/\| -\s+\| 8\s+\| 5\s+\| 1 \|/);
      expect(ut.message).toMatch(/\| \+\s+\| 8\s+\| 4\.?0*\s+\| 1 \|/);
      expect(res['model.t.customer_totals']!.status).toBe('skipped');
      expect(res['model.t.after_totals']!.status).toBe('skipped');
      expect(res['model.t.stg_orders']!.status).toBe('success');
      const rels = await queryDb<{ relname: string }>(db, dir, `select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and relname = 'customer_totals'`, [schema]);
      expect(rels).toEqual([]);
      // Fixed: build runs the unit tests first, then the model.
      await writeFile(join(dir, 'models', 'unit.yml'), PASSING);
      const ok = await strata(['build', '--project-dir', dir]);
      expect(ok.code, ok.stdout).toBe(0);
      expect((await runResults(dir))['model.t.customer_totals']!.status).toBe('success');
    });

    it('an input not given is empty, typed like its upstream; an unbuilt upstream is said clearly', async () => {
      const yml = unit(
        ['  - name: empty_input', '    model: after_totals', '    given: []', '    expect: {rows: []}', ''].join('\n'),
      );
      const { dir, schema } = await projectFor(db, { ...MODELS, 'models/unit.yml': yml });
      schemas.push(schema);
      const before = await strata(['test', '--project-dir', dir, '-s', 'after_totals']);
      expect(before.code).toBe(1);
      expect((await runResults(dir))['unit_test.t.after_totals.empty_input']!.message).toMatch(/input ref\('customer_totals'\) is not given and "[^"]+"\."customer_totals" does not exist in the warehouse/);
      expect((await strata(['build', '--project-dir', dir, '--exclude', 'empty_input'])).code).toBe(0);
      const after = await strata(['test', '--project-dir', dir, '-s', 'after_totals']);
      expect(after.code, after.stdout).toBe(0);
    });

    it('csv rows from a fixture file under tests/fixtures', async () => {
      const yml = unit(
        ['  - name: from_file', '    model: customer_totals', '    given:', "      - input: ref('stg_orders')", '        format: csv', '        fixture: orders_fixture', '    expect:', '      format: csv', '      rows: |', '        customer_id,total', '        7,3.5', ''].join('\n'),
      );
      const { dir, schema } = await projectFor(db, { ...MODELS, 'models/unit.yml': yml, 'tests/fixtures/orders_fixture.csv': 'id,customer_id,amount,status\n1,7,1.5,open\n2,7,2,\n' });
      schemas.push(schema);
      expect((await strata(['build', '--project-dir', dir, '-s', 'raw_orders', 'stg_orders'])).code).toBe(0);
      const r = await strata(['test', '--project-dir', dir, '-s', 'from_file']);
      expect(r.code, r.stdout).toBe(0);
      await writeFile(join(dir, 'tests/fixtures/orders_fixture.csv'), 'id,customer_id,amount,status\n1,7,1.5,open\n');
      expect((await strata(['test', '--project-dir', dir, '-s', 'from_file'])).code).toBe(1);
    });

    it('located errors: unknown model, input that is not a parent, bad rows (exit 2)', async () => {
      const cases: [string, string, string][] = [
        [unit('  - name: a\n    model: customer_totalz\n    given: []\n    expect: {rows: []}\n'), 'models/unit.yml:4:12', "tests model 'customer_totalz', which does not exist"],
        [unit("  - name: b\n    model: customer_totals\n    given:\n      - input: ref('raw_orders')\n        rows: []\n    expect: {rows: []}\n"), 'models/unit.yml:6:16', "input ref('raw_orders') of unit test 'b' is not an input of model 'customer_totals'"],
        [unit("  - name: c\n    model: customer_totals\n    given:\n      - input: ref('stg_orders')\n        rows: [1, 2]\n    expect: {rows: []}\n"), 'models/unit.yml:7', 'row 1 must be a mapping'],
      ];
      for (const [yml, where, message] of cases) {
        const { dir, schema } = await projectFor(db, { ...MODELS, 'models/unit.yml': yml });
        schemas.push(schema);
        const r = await strata(['test', '--project-dir', dir]);
        expect(r.code, r.stdout + r.stderr).toBe(2);
        expect(r.stderr).toContain('test-invalid');
        expect(r.stderr).toContain(where);
        expect(r.stderr).toContain(message);
      }
    });
  });
}
