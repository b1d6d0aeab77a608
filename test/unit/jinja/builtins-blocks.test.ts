import { describe, expect, it } from 'vitest';
import { file, makeRenderer, node, ok, sql, table } from './helpers.js';

// A package of our own, shaped like dbt_utils: a dispatching macro, a helper called unqualified,
// package vars. Installed packages reach the renderer as RendererOptions.packages.
const MY_UTILS = file(
  'dbt_packages/my_utils/macros/star.sql',
  `{% macro star(from, except=[]) %}{{ return(adapter.dispatch('star', 'my_utils')(from, except)) }}{% endmacro %}
{% macro default__star(from, except) -%}
{%- if not execute %}{{ return('*') }}{% endif -%}
{%- set cols = [] -%}
{%- for c in adapter.get_columns_in_relation(from) if c.name | lower not in except | map('lower') | list -%}
{%- do cols.append(quote_it(c.name)) -%}
{%- endfor -%}
{{ cols | join(', ') }}
{%- endmacro %}
{% macro quote_it(x) %}"{{ x }}"{% endmacro %}
{% macro greeting() %}{{ var('greeting', 'none') }}{% endmacro %}`,
);

describe('packages: namespaces, precedence, dispatch', () => {
  const columns = (): ReturnType<typeof table> => table(['column_name', 'data_type'], [['id', 'integer'], ['Name', 'text'], ['secret', 'text']]);
  const pkg = { name: 'my_utils', macroFiles: [MY_UTILS], vars: { greeting: 'hello from my_utils' } };

  it('a package macro renders * while parsing and the columns at execution time', () => {
    const parse = makeRenderer({ packages: [pkg] });
    const parsed = ok(parse, "select {{ my_utils.star(ref('a'), except=['SECRET']) }}");
    expect(parsed.sql).toBe('select *');
    expect(parsed.dynamic).toBe(true);
    const live = makeRenderer({ packages: [pkg], queryRunner: columns });
    expect(sql(live, "select {{ my_utils.star(ref('a'), except=['SECRET']) }}")).toBe('select "id", "Name"');
  });

  it("the root project's macros win over the package's, even for calls inside the package", () => {
    const r = makeRenderer({ packages: [pkg], queryRunner: columns, macroFiles: [file('macros/q.sql', "{% macro quote_it(x) %}[{{ x }}]{% endmacro %}")] });
    expect(sql(r, "{{ my_utils.star(ref('a'), except=['secret']) }}")).toBe('[id], [Name]');
  });

  it("dispatch search_order lets the root project override a package's default__", () => {
    const r = makeRenderer({
      packages: [pkg],
      queryRunner: columns,
      macroFiles: [file('macros/star.sql', '{% macro default__star(from, except) %}mine {{ from.identifier }}{% endmacro %}')],
      dispatch: [{ macro_namespace: 'my_utils', search_order: ['shop', 'my_utils'] }],
    });
    const res = ok(r, "{{ my_utils.star(ref('a')) }}");
    expect(res.sql).toBe('mine a');
    expect(res.macros).toContain('shop.default__star');
    const without = makeRenderer({ packages: [pkg], queryRunner: columns, macroFiles: [file('macros/star.sql', '{% macro default__star(from, except) %}mine{% endmacro %}')] });
    expect(sql(without, "{{ my_utils.star(ref('a')) }}")).toBe('"id", "Name", "secret"');
  });

  it('a dispatch that finds nothing names the search order and the fix', () => {
    const out = makeRenderer({ packages: [pkg] }).render(node(), "{{ adapter.dispatch('nope', 'my_utils')() }}");
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.diagnostics[0]).toMatchObject({ code: 'undefined-macro', line: 1, col: 4 });
      expect(out.diagnostics[0]?.message).toContain("'postgres__nope' nor 'default__nope' in 'my_utils'");
    }
  });

  it("vars: the package's own defaults apply to its nodes; the root project's scoped and global vars win", () => {
    const pkgNode = node({ package_name: 'my_utils', unique_id: 'model.my_utils.m', name: 'm' });
    expect(sql(makeRenderer({ packages: [pkg] }), '{{ my_utils.greeting() }}', pkgNode)).toBe('hello from my_utils');
    expect(sql(makeRenderer({ packages: [pkg] }), '{{ my_utils.greeting() }}')).toBe('none');
    expect(sql(makeRenderer({ packages: [pkg], projectVars: { my_utils: { greeting: 'scoped' } } }), '{{ my_utils.greeting() }}', pkgNode)).toBe('scoped');
    expect(sql(makeRenderer({ packages: [pkg], projectVars: { greeting: 'global' } }), '{{ my_utils.greeting() }}', pkgNode)).toBe('global');
  });
});

describe("dbt's global macros (Strata's implementation)", () => {
  const r = makeRenderer();
  it('cross-database utilities render PostgreSQL SQL', () => {
    expect(sql(r, "{{ dbt.dateadd('day', -1, 'created_at') }}")).toBe("created_at + ((interval '1 day') * (-1))");
    expect(sql(r, "{{ dbt.datediff('a', 'b', 'day') }}")).toBe('((b)::date - (a)::date)');
    expect(sql(r, "{{ dbt.datediff('a', 'b', 'month') }}")).toBe(
      "((date_part('year', (b)::date) - date_part('year', (a)::date)) * 12 + date_part('month', (b)::date) - date_part('month', (a)::date))",
    );
    expect(sql(r, "{{ dbt.date_trunc('month', 'd') }}")).toBe("date_trunc('month', d)");
    expect(sql(r, "{{ dbt.last_day('d', 'quarter') }}")).toBe(
      "cast(date_trunc('quarter', d) + ((interval '1 month') * (3)) + ((interval '1 day') * (-1)) as date)",
    );
    expect(sql(r, "{{ dbt.split_part('s', \"','\", -1) }}")).toBe("split_part(s, ',', length(s) - length(replace(s, ',', '')) + 2 + -1)");
    expect(sql(r, "{{ dbt.listagg('x', \"', '\", 'order by x') }}")).toBe("string_agg(x, ', ' order by x)");
    expect(sql(r, "{{ dbt.concat(['a', 'b']) }} {{ dbt.hash('a') }} {{ dbt.safe_cast('a', 'int') }} {{ dbt.string_literal('x') }} {{ dbt.right('s', 2) }}")).toBe(
      "a || b md5(cast(a as TEXT)) cast(a as int) 'x' case when 2 = 0 then '' else right(s, 2) end",
    );
    expect(sql(r, '{{ dbt.type_string() }} {{ dbt.type_int() }} {{ dbt.type_bigint() }} {{ dbt.type_numeric() }} {{ dbt.type_float() }} {{ dbt.type_timestamp() }} {{ dbt.type_boolean() }}')).toBe(
      'TEXT integer bigint numeric(28,6) float timestamp boolean',
    );
    expect(sql(r, '{{ dbt.current_timestamp() }} {{ dbt.any_value("x") }} {{ dbt.bool_or("x") }} {{ dbt.except() }} {{ dbt.intersect() }}')).toBe('now() min(x) bool_or(x) except intersect');
    expect(sql(r, '{{ dbt.array_construct([1, 2]) }} {{ dbt.array_construct([]) }}')).toBe('array[ 1 , 2 ] array[]::integer[]');
    expect(sql(r, '{{ dbt.date(2024, 2, 29) }}')).toBe("to_date('2024-02-29', 'YYYY-MM-DD')");
  });

  it('generate_schema_name: a custom schema is appended to the target schema', () => {
    expect(sql(r, "{{ generate_schema_name(none, model) }}|{{ generate_schema_name('marts', model) }}")).toBe('analytics|analytics_marts');
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
