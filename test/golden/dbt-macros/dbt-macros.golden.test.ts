/**
 * Golden SQL of Strata's implementation of dbt's global macros (src/compiler/jinja/macros/dbt)
 * on PostgreSQL, one file per call in ./sql. Regenerate with
 * `UPDATE_GOLDEN=1 npx vitest run test/golden/dbt-macros` and review the diff. The calls'
 * results are then checked on the real databases: the SQL must run and give dbt's answers.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { adapterFor } from '../../helpers/adapter-for.js';
import { testDatabases } from '../../helpers/databases.js';
import { makeRenderer, node, show } from '../../unit/jinja/helpers.js';

const here = join(dirname(fileURLToPath(import.meta.url)), 'sql');

/** name -> [template, the value PostgreSQL returns for `select <rendered>`]. */
const CALLS: Record<string, [string, string | null]> = {
  dateadd_day: ["{{ dbt.dateadd('day', 3, \"'2024-02-27'::date\") }}", '2024-03-01 00:00:00'],
  dateadd_month: ["{{ dbt.dateadd('month', -1, \"'2024-03-31'::date\") }}", '2024-02-29 00:00:00'],
  datediff_day: ["{{ dbt.datediff(\"'2024-01-01'\", \"'2024-03-15'\", 'day') }}", '74'],
  datediff_week: ["{{ dbt.datediff(\"'2024-01-06'\", \"'2024-01-07'\", 'week') }}", '1'],
  datediff_month: ["{{ dbt.datediff(\"'2024-01-31'\", \"'2024-02-01'\", 'month') }}", '1'],
  datediff_quarter: ["{{ dbt.datediff(\"'2023-12-31'\", \"'2024-04-01'\", 'quarter') }}", '2'],
  datediff_year: ["{{ dbt.datediff(\"'2023-12-31'\", \"'2024-01-01'\", 'year') }}", '1'],
  datediff_hour: ["{{ dbt.datediff(\"'2024-01-01 23:59'::timestamp\", \"'2024-01-02 00:01'::timestamp\", 'hour') }}", '1'],
  date_trunc: ["{{ dbt.date_trunc('month', \"'2024-02-17'::date\") }}", '2024-02-01 00:00:00+00'],
  last_day_month: ["{{ dbt.last_day(\"'2024-02-10'::date\", 'month') }}", '2024-02-29'],
  last_day_quarter: ["{{ dbt.last_day(\"'2024-05-10'::date\", 'quarter') }}", '2024-06-30'],
  concat: ["{{ dbt.concat([\"'a'\", \"'b'\", \"'c'\"]) }}", 'abc'],
  hash: ["{{ dbt.hash(\"'x'\") }}", '9dd4e461268c8034f5c8564e155c67a6'],
  safe_cast: ["{{ dbt.safe_cast(\"'42'\", dbt.type_int()) }}", '42'],
  split_part: ["{{ dbt.split_part(\"'a,b,c'\", \"','\", 2) }}", 'b'],
  split_part_negative: ["{{ dbt.split_part(\"'a,b,c'\", \"','\", -1) }}", 'c'],
  listagg: ["(select {{ dbt.listagg('x', \"'-'\", 'order by x desc') }} from (values ('a'), ('b')) v(x))", 'b-a'],
  listagg_limit: ["(select {{ dbt.listagg('x', \"'-'\", 'order by x', 1) }} from (values ('a'), ('b')) v(x))", 'a'],
  position: ["{{ dbt.position(\"'c'\", \"'abc'\") }}", '3'],
  replace: ["{{ dbt.replace(\"'aXa'\", \"'X'\", \"'-'\") }}", 'a-a'],
  right: ["{{ dbt.right(\"'abc'\", 2) }}", 'bc'],
  right_zero: ["{{ dbt.right(\"'abc'\", 0) }}", ''],
  length: ["{{ dbt.length(\"'abcd'\") }}", '4'],
  string_literal: ["{{ dbt.string_literal('x') }}", 'x'],
  escape_single_quotes: ["'{{ dbt.escape_single_quotes(\"it's\") }}'", "it's"],
  any_value: ["(select {{ dbt.any_value('x') }} from (values (1), (1)) v(x))", '1'],
  bool_or: ["(select {{ dbt.bool_or('x') }} from (values (false), (true)) v(x))", 'true'],
  cast_bool_to_text: ['{{ dbt.cast_bool_to_text("true") }}', 'true'],
  array_construct: ['{{ dbt.array_construct([1, 2]) }}', '{1,2}'],
  array_append: ['{{ dbt.array_append(dbt.array_construct([1]), 2) }}', '{1,2}'],
  array_concat: ['{{ dbt.array_concat(dbt.array_construct([1]), dbt.array_construct([2])) }}', '{1,2}'],
  date: ['{{ dbt.date(2024, 2, 29) }}', '2024-02-29'],
  equals: ['({{ dbt.equals("null::int", "null::int") }})', 'true'],
  current_timestamp: ['{{ dbt.current_timestamp() }} is not null', 'true'],
  types: [
    "'{{ dbt.type_string() }} {{ dbt.type_int() }} {{ dbt.type_bigint() }} {{ dbt.type_numeric() }} {{ dbt.type_float() }} {{ dbt.type_timestamp() }} {{ dbt.type_boolean() }}'",
    'TEXT integer bigint numeric(28,6) float timestamp boolean',
  ],
  generate_series: ['(select count(*) from ({{ dbt.generate_series(5) }}) s)', '5'],
  date_spine: ["(select count(*) from ({{ dbt.date_spine('day', \"'2024-01-01'\", \"'2024-02-01'\") }}) s)", '31'],
  except: ["(select count(*) from (select 1 {{ dbt.except() }} select 2) s)", '1'],
  intersect: ["(select count(*) from (select 1 {{ dbt.intersect() }} select 1) s)", '1'],
  generate_schema_name: ["'{{ generate_schema_name('marts', model) }}'", 'analytics_marts'],
  generate_alias_name: ["'{{ generate_alias_name(none, model) }}'", 'orders'],
  create_table_as: ["{{ dbt.create_table_as(False, api.Relation.create(database='d', schema='s', identifier='t'), 'select 1') }}", null],
  create_view_as: ["{{ dbt.create_view_as(api.Relation.create(database='d', schema='s', identifier='v'), 'select 1') }}", null],
  get_where_subquery: ["{{ dbt.get_where_subquery(api.Relation.create(database='d', schema='s', identifier='t')) }}", null],
};

describe("golden SQL of dbt's global macros", () => {
  const r = makeRenderer();
  for (const [name, [template]] of Object.entries(CALLS)) {
    it(name, () => {
      const out = r.render(node(), template);
      if (!out.ok) throw new Error(JSON.stringify(out.diagnostics));
      const got = `${show(out.result.sql)}\n`;
      const file = join(here, `${name}.sql`);
      if (process.env['UPDATE_GOLDEN'] === '1' || (!existsSync(file) && process.env['CI'] !== 'true')) {
        mkdirSync(here, { recursive: true });
        writeFileSync(file, got);
      }
      expect(got).toBe(readFileSync(file, 'utf8'));
    });
  }
});

for (const db of testDatabases()) {
  describe(`dbt's global macros give dbt's answers on ${db.name}`, () => {
    let adapter: WarehouseAdapter;
    beforeAll(async () => {
      adapter = await adapterFor(db);
    });
    afterAll(async () => {
      await adapter.close();
    });
    const r = makeRenderer();
    for (const [name, [template, expected]] of Object.entries(CALLS)) {
      if (expected === null) continue;
      it(name, async () => {
        const out = r.render(node(), template);
        if (!out.ok) throw new Error(JSON.stringify(out.diagnostics));
        const res = await adapter.queryTable(`select (${out.result.sql})::text as v`);
        expect(res.rows[0]?.[0]).toBe(expected);
      });
    }
  });
}
