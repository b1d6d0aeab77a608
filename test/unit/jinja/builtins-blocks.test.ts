import { describe, expect, it } from 'vitest';
import { file, makeRenderer, node, ok, sql, table } from './helpers.js';

describe('dbt_utils built-ins', () => {
  const r = makeRenderer();

  it('generate_surrogate_key, qualified and unqualified', () => {
    const res = ok(r, "{{ generate_surrogate_key(['order_id', 'line_no']) }}");
    expect(res.sql).toBe(
      "md5(cast(coalesce(cast(order_id as text), '_dbt_utils_surrogate_key_null_') || '-' || coalesce(cast(line_no as text), '_dbt_utils_surrogate_key_null_') as text))",
    );
    expect(res.macros).toEqual(['dbt_utils.generate_surrogate_key']);
  });

  it('star without a connection renders *', () => {
    expect(sql(r, "select {{ dbt_utils.star(ref('a')) }}, {{ dbt_utils.star(from=ref('a'), relation_alias='t') }}")).toBe('select *, t.*');
  });

  it('star with columns, except, alias and prefix', () => {
    const withDb = makeRenderer({ queryRunner: () => table(['column_name', 'data_type'], [['id', 'int'], ['Name', 'text'], ['secret', 'text']]) });
    expect(sql(withDb, "{{ dbt_utils.star(ref('a'), except=['SECRET'], relation_alias='t', prefix='p_') }}")).toBe('t."id" as "p_id",\nt."Name" as "p_Name"');
  });

  it('date_spine', () => {
    expect(sql(r, "{{ dbt_utils.date_spine('day', \"'2024-01-01'\", \"'2024-02-01'\") }}")).toBe(`select cast(spine.generated as date) as date_day
from generate_series(
    cast('2024-01-01' as timestamp),
    cast('2024-02-01' as timestamp) - interval '1 day',
    interval '1 day'
) as spine(generated)`);
  });

  it('union_relations without a connection unions select *', () => {
    expect(sql(r, "{{ dbt_utils.union_relations([ref('a'), ref('b')]) }}")).toBe(`
select
    cast('⟨ref::a⟩' as text) as "_dbt_source_relation",
    *
from ⟨ref::a⟩
union all
select
    cast('⟨ref::b⟩' as text) as "_dbt_source_relation",
    *
from ⟨ref::b⟩`);
  });

  it('union_relations with columns fills missing ones with typed nulls', () => {
    const withDb = makeRenderer({
      queryRunner: (q) => table(['column_name', 'data_type'], q.includes("'a_tbl'") || q.includes("'a'") ? [['id', 'integer'], ['x', 'text']] : [['id', 'integer']]),
    });
    expect(sql(withDb, "{{ dbt_utils.union_relations([ref('a'), ref('b')]) }}")).toBe(`
select
    cast('⟨ref::a⟩' as text) as "_dbt_source_relation",
    "id",
    "x"
from ⟨ref::a⟩
union all
select
    cast('⟨ref::b⟩' as text) as "_dbt_source_relation",
    "id",
    cast(null as text) as "x"
from ⟨ref::b⟩`);
  });
});

describe('python-style methods and filters', () => {
  const r = makeRenderer();
  it('string methods', () => {
    expect(sql(r, "{{ ' Ab '.strip() }}|{{ 'ab'.upper() }}|{{ 'a b  c'.split() }}|{{ 'a-b-c'.replace('-', '_') }}|{{ 'abc'.startswith('a') }}|{{ '{}_{x}'.format(1, x=2) }}|{{ ','.join(['a', 'b']) }}|{{ 'hello world'.title() }}|{{ 'abc'.find('c') }}|{{ '12'.isdigit() }}|{{ 'xxa'.lstrip('x') }}|{{ 'aXb'.lower().count('b') }}")).toBe(
      "Ab|AB|['a', 'b', 'c']|a_b_c|True|1_2|a,b|Hello World|2|True|a|1",
    );
  });
  it('list and dict methods', () => {
    expect(sql(r, "{% set l = [3, 1] %}{% do l.extend([2]) %}{% do l.sort() %}{{ l }} {{ l.pop() }} {{ l.index(2) }} {% do l.insert(0, 9) %}{% do l.remove(1) %}{{ l }} {{ l | reverse | list }}")).toBe('[1, 2, 3] 3 1 [9, 2] [2, 9]');
    expect(sql(r, "{% set d = {'a': 1} %}{% do d.update({'b': 2}) %}{{ d.keys() }} {{ d.values() }} {{ d.get('z', 0) }} {{ d.pop('a') }} {{ d.setdefault('c', 3) }} {{ d }}")).toBe(
      "['a', 'b'] [1, 2] 0 1 3 {'b': 2, 'c': 3}",
    );
  });
  it('operators: list concatenation, % formatting, ~ with none', () => {
    expect(sql(r, "{{ [1] + [2] }} {{ '%s=%d' % ('a', 3) }} {{ 'x' ~ none }} {{ 7 % 3 }} {{ 2 + 3 }} {{ 'a' in ['a'] }}")).toBe('[1, 2] a=3 xNone 1 5 True');
  });
  it('filters', () => {
    expect(sql(r, "{{ ['B', 'a', 'a'] | map('lower') | unique | sort | join(',') }} {{ [{'n': 1}, {'n': 2}] | map(attribute='n') | list }} {{ [{'k': 'x', 'on': true}, {'k': 'y', 'on': false}] | selectattr('on') | map(attribute='k') | first }} {{ [1, none, 2] | reject('none') | list }} {{ [1, 2, 3] | select('odd') | list }} {{ ['a'] | tojson }} {{ '12' | as_number + 1 }} {{ 'true' | as_bool }} {{ '3.5' | float }} {{ '7' | int }} {{ [1, 2] | length }} {{ none | default('d') }} {{ '  x ' | trim }} {{ [{'a': 1}, {'a': 2}] | rejectattr('a', 'equalto', 1) | list }}")).toBe(
      "a,b [1, 2] x [1, 2] [1, 3] [\"a\"] 13 True 3.5 7 2 None x [{'a': 2}]",
    );
  });
});

describe('snapshot and docs blocks', () => {
  const r = makeRenderer();
  it('snapshotBlocks returns raw bodies with their starting line', () => {
    const f = file('snapshots/s.sql', "-- header\n{% snapshot orders_snap %}\n{{ config(strategy='timestamp') }}\nselect 1\n{% endsnapshot %}\n{% snapshot b %}x{% endsnapshot %}");
    const res = r.snapshotBlocks(f);
    expect(res.diagnostics).toEqual([]);
    expect(res.blocks).toEqual([
      { name: 'orders_snap', body: "\n{{ config(strategy='timestamp') }}\nselect 1\n", line: 2 },
      { name: 'b', body: 'x', line: 6 },
    ]);
    const body = res.blocks[0];
    const out = r.render(node({ name: 'orders_snap', resource_type: 'snapshot', original_file_path: 'snapshots/s.sql', lineOffset: body?.line }), body?.body ?? '');
    expect(out.ok && out.result.config).toEqual({ strategy: 'timestamp' });
  });
  it('snapshot syntax errors and unclosed blocks are diagnostics in the file', () => {
    const bad = r.snapshotBlocks(file('snapshots/bad.sql', "\n{% snapshot s %}\nselect\n{{ 1 + }}\n{% endsnapshot %}"));
    expect(bad.diagnostics).toEqual([expect.objectContaining({ code: 'jinja-syntax', file: 'snapshots/bad.sql', line: 4 })]);
    const open = r.snapshotBlocks(file('snapshots/open.sql', '\n\n{% snapshot s %}select 1'));
    expect(open.diagnostics).toEqual([expect.objectContaining({ code: 'jinja-syntax', line: 3, col: 1 })]);
  });
});
