import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../helpers/databases.js';
import { dropSchema, projectFor, queryDb, strata } from '../../helpers/strata-cli.js';

// A contracted child's foreign key references its parent: rebuilding the parent must keep the
// key (re-pointed at the new table) and fail, keeping the old parent, when the new rows lack a
// referenced key.
const FILES: Record<string, string> = {
  'models/customers.sql': "{{ config(materialized='table') }}\nselect 1 as id, 'a' as name union all select 2, 'b'",
  'models/orders.sql': "{{ config(materialized='table') }}\nselect 10 as order_id, 2 as customer_id",
  'models/schema.yml': [
    'version: 2',
    'models:',
    '  - name: customers',
    '    config: {contract: {enforced: true}}',
    '    columns:',
    '      - {name: id, data_type: int, constraints: [{type: primary_key}]}',
    '      - {name: name, data_type: text}',
    '  - name: orders',
    '    config: {contract: {enforced: true}}',
    '    columns:',
    '      - {name: order_id, data_type: int, constraints: [{type: primary_key}]}',
    "      - {name: customer_id, data_type: int, constraints: [{type: foreign_key, to: \"ref('customers')\", to_columns: [id]}]}",
    '',
  ].join('\n'),
};

for (const db of testDatabases()) {
  describe(`foreign keys across rebuilds on ${db.name}`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await dropSchema(db, s);
    });

    it('rebuilding the parent keeps the child\'s foreign key, pointing at the new table', async () => {
      const { dir, schema } = await projectFor(db, FILES);
      schemas.push(schema);
      expect((await strata(['run', '--project-dir', dir])).code).toBe(0);
      const r = await strata(['run', '-s', 'customers', '--project-dir', dir]);
      expect(r.code, r.stdout).toBe(0);
      const fks = await queryDb<{ child: string; parent: string }>(
        db,
        dir,
        `select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent from pg_constraint c
         join pg_namespace n on n.oid = c.connamespace where n.nspname = $1 and c.contype = 'f'`,
        [schema],
      );
      expect(fks).toEqual([{ child: `${schema}.orders`, parent: `${schema}.customers` }]);
    });

    it('a rebuilt parent missing a referenced key fails the swap and the old parent stays', async () => {
      const { dir, schema } = await projectFor(db, FILES);
      schemas.push(schema);
      expect((await strata(['run', '--project-dir', dir])).code).toBe(0);
      await writeFile(join(dir, 'models', 'customers.sql'), "{{ config(materialized='table') }}\nselect 1 as id, 'a' as name");
      const r = await strata(['run', '-s', 'customers', '--project-dir', dir]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/foreign key of .*orders cannot be added again/);
      const ids = await queryDb<{ id: number }>(db, dir, `select id from "${schema}".customers order by id`);
      expect(ids.map((x) => x.id)).toEqual([1, 2]);
      const fks = await queryDb<{ n: string }>(db, dir, `select count(*)::text as n from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = $1 and c.contype = 'f'`, [schema]);
      expect(fks[0]!.n).toBe('1');
    });
  });
}
