import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata } from '../../helpers/strata-cli.js';

const CUSTOMERS = "{{ config(materialized='table') }}\nselect 1 as id union all select 2";
const ORDERS = "{{ config(materialized='table') }}\nselect 10 as order_id, 1 as customer_id, 5.5::numeric(10,2) as amount, 'open'::varchar(10) as status";

const yml = (extra = ''): string =>
  [
    'version: 2',
    'models:',
    '  - name: customers',
    '    config: {contract: {enforced: true}}',
    '    columns:',
    '      - {name: id, data_type: int, constraints: [{type: primary_key}]}',
    '  - name: orders',
    '    config:',
    '      contract: {enforced: true}',
    '    constraints:',
    '      - {type: check, name: amount_positive, expression: "amount > 0"}',
    '    columns:',
    '      - name: order_id',
    '        data_type: integer',
    '        constraints: [{type: not_null}, {type: primary_key}]',
    '      - name: customer_id',
    '        data_type: int4',
    "        constraints: [{type: foreign_key, to: \"ref('customers')\", to_columns: [id]}]",
    '      - {name: amount, data_type: numeric}',
    '      - {name: status, data_type: character varying(10), constraints: [{type: check, expression: "status in (\'open\', \'closed\')"}]}',
    extra,
    '',
  ].join('\n');

async function runResults(dir: string): Promise<Record<string, { status: string; message: string | null }>> {
  const body = JSON.parse(await readFile(join(dir, 'target', 'run_results.json'), 'utf8')) as { results: { unique_id: string; status: string; message: string | null }[] };
  return Object.fromEntries(body.results.map((r) => [r.unique_id, r]));
}

for (const db of testDatabases()) {
  describe(`model contracts on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('an enforced contract creates the table with its types and constraints, visible in the catalog and the manifest', async () => {
      const { dir, schema } = await projectFor(db, { 'models/customers.sql': CUSTOMERS, 'models/orders.sql': ORDERS, 'models/schema.yml': yml() });
      schemas.push(schema);
      const r = await strata(['run', '--project-dir', dir]);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const cons = await queryDb<{ conname: string; contype: string; def: string }>(
        db,
        dir,
        `select conname, contype, pg_get_constraintdef(c.oid) as def from pg_constraint c join pg_class t on t.oid = c.conrelid
         join pg_namespace n on n.oid = t.relnamespace where n.nspname = $1 and t.relname = 'orders' and contype in ('c', 'f', 'p', 'u') order by contype, conname`,
        [schema],
      );
      const types = cons.map((c) => c.contype).sort();
      expect(types).toEqual(['c', 'c', 'f', 'p']);
      expect(cons.find((c) => c.conname === 'amount_positive')?.def).toBe('CHECK ((amount > (0)::numeric))');
      expect(cons.find((c) => c.contype === 'f')?.def).toContain(`REFERENCES ${schema}.customers(id)`);
      // The primary key's index was renamed from the temporary name to the model's.
      expect(cons.find((c) => c.contype === 'p')?.conname).toBe('orders_pkey');
      const cols = await queryDb<{ attname: string; attnotnull: boolean; type: string }>(
        db,
        dir,
        `select a.attname, a.attnotnull, format_type(a.atttypid, a.atttypmod) as type from pg_attribute a join pg_class t on t.oid = a.attrelid
         join pg_namespace n on n.oid = t.relnamespace where n.nspname = $1 and t.relname = 'orders' and a.attnum > 0 order by a.attnum`,
        [schema],
      );
      expect(cols).toEqual([
        { attname: 'order_id', attnotnull: true, type: 'integer' },
        { attname: 'customer_id', attnotnull: false, type: 'integer' },
        { attname: 'amount', attnotnull: false, type: 'numeric' },
        { attname: 'status', attnotnull: false, type: 'character varying(10)' },
      ]);
      expect(await queryDb(db, dir, `select order_id, amount::text from "${schema}".orders`)).toEqual([{ order_id: 10, amount: '5.50' }]);
      const manifest = JSON.parse(await readFile(join(dir, 'target', 'manifest.json'), 'utf8'));
      const node = manifest.nodes['model.t.orders'];
      expect(node.contract).toEqual({ enforced: true, alias_types: true, checksum: null });
      expect(node.constraints[0]).toMatchObject({ type: 'check', name: 'amount_positive', expression: 'amount > 0' });
      expect(node.columns.customer_id.constraints[0]).toMatchObject({ type: 'foreign_key', to: "ref('customers')", to_columns: ['id'] });
      expect(node.columns.order_id.data_type).toBe('integer');
    });

    it('type mismatch, missing and extra columns fail the node with one table naming each; the old table is untouched', async () => {
      const { dir, schema } = await projectFor(db, { 'models/customers.sql': CUSTOMERS, 'models/orders.sql': ORDERS, 'models/schema.yml': yml() });
      schemas.push(schema);
      expect((await strata(['run', '--project-dir', dir])).code).toBe(0);
      const { writeFile } = await import('node:fs/promises');
      // order_id becomes text, status disappears, note is new
      await writeFile(join(dir, 'models', 'orders.sql'), "{{ config(materialized='table') }}\nselect '10'::text as order_id, 1 as customer_id, 5.5::numeric(10,2) as amount, 'x'::text as note");
      const r = await strata(['run', '--project-dir', dir, '-s', 'orders']);
      expect(r.code).toBe(1);
      const res = await runResults(dir);
      const msg = res['model.t.orders']!.message ?? '';
      expect(res['model.t.orders']!.status).toBe('error');
      expect(msg).toContain('enforced contract');
      expect(msg).toMatch(/\| order_id\s+\| text\s+\| integer\s+\| data type mismatch\s+\|/);
      expect(msg).toMatch(/\| status\s+\|\s+\| character varying\(10\) \| missing in definition \|/);
      expect(msg).toMatch(/\| note\s+\| text\s+\|\s+\| missing in contract\s+\|/);
      // Untouched: the previous rows and columns are still there, nothing temporary left behind.
      expect(await queryDb(db, dir, `select order_id, status from "${schema}".orders`)).toEqual([{ order_id: 10, status: 'open' }]);
      const rels = await queryDb<{ relname: string }>(db, dir, `select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and relname like '%strata%'`, [schema]);
      expect(rels).toEqual([]);
    });

    it('a constraint the rows violate fails at insert and keeps the previous table', async () => {
      const { dir, schema } = await projectFor(db, { 'models/customers.sql': CUSTOMERS, 'models/orders.sql': ORDERS, 'models/schema.yml': yml() });
      schemas.push(schema);
      expect((await strata(['run', '--project-dir', dir])).code).toBe(0);
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dir, 'models', 'orders.sql'), "{{ config(materialized='table') }}\nselect null::int as order_id, 1 as customer_id, 5.5::numeric(10,2) as amount, 'open'::varchar(10) as status");
      const r = await strata(['run', '--project-dir', dir, '-s', 'orders']);
      expect(r.code).toBe(1);
      const res = await runResults(dir);
      expect(res['model.t.orders']!.status).toBe('error');
      expect(res['model.t.orders']!.message).toMatch(/null value in column "order_id"/);
      expect(await queryDb(db, dir, `select order_id from "${schema}".orders`)).toEqual([{ order_id: 10 }]);
    });

    it('a view with a contract is checked, not constrained (warning), and fails on a mismatch', async () => {
      const { dir, schema } = await projectFor(db, {
        'models/v.sql': "{{ config(materialized='view', contract={'enforced': true}) }}\nselect 1 as id, 'a'::text as name",
        'models/schema.yml': 'version: 2\nmodels:\n  - name: v\n    columns:\n      - {name: id, data_type: integer, constraints: [{type: not_null}]}\n      - {name: name, data_type: text}\n',
      });
      schemas.push(schema);
      const ok = await strata(['run', '--project-dir', dir]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stderr + ok.stdout).toContain('constraints are not applied to views');
      expect(await queryDb(db, dir, `select id, name from "${schema}".v`)).toEqual([{ id: 1, name: 'a' }]);
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dir, 'models', 'v.sql'), "{{ config(materialized='view', contract={'enforced': true}) }}\nselect 1::bigint as id, 'a'::text as name");
      const bad = await strata(['run', '--project-dir', dir]);
      expect(bad.code).toBe(1);
      const msg = (await runResults(dir))['model.t.v']!.message ?? '';
      expect(msg).toMatch(/\| id\s+\| bigint\s+\| integer\s+\| data type mismatch/);
    });

    it('a contracted column without data_type is a located config error (exit 2)', async () => {
      const { dir, schema } = await projectFor(db, {
        'models/m.sql': 'select 1 as id, 2 as other',
        'models/schema.yml': 'version: 2\nmodels:\n  - name: m\n    config: {contract: {enforced: true}}\n    columns:\n      - name: id\n        data_type: int\n      - name: other\n',
      });
      schemas.push(schema);
      const r = await strata(['run', '--project-dir', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('config-invalid');
      expect(r.stderr).toContain('models/schema.yml:8');
      expect(r.stderr).toContain("column 'other' has no data_type");
    });
  });
}
