import { describe, expect, it } from 'vitest';
import { file, makeRenderer, node, ok, sql } from './helpers.js';

const MACROS = [
  file(
    'macros/money.sql',
    `{% macro cents_to_dollars(col, scale=2) -%}
({{ col }} / 100)::numeric(16, {{ scale }})
{%- endmacro %}

{% macro model_schema() -%}{{ this.schema }}.{{ config.get('materialized') }}{%- endmacro %}

{% macro wrapped(col) -%}round({{ cents_to_dollars(col) }})
{%- endmacro %}`,
  ),
  file(
    'macros/logic.sql',
    `{% macro pick(x) -%}
  {%- if x > 1 -%}{{ return('big') }}{%- endif -%}
  {{ return('small') }}
{%- endmacro %}

{% macro cols() %}{{ return(['a', 'b']) }}{% endmacro %}

{% macro outer() -%}{% set local = 'kept' %}{% set r = pick(5) %}{{ local }}-{{ r }}{%- endmacro %}

{% macro wrap_with(tag) -%}<{{ tag }}>{{ caller() }}</{{ tag }}>{%- endmacro %}

{% macro default__greet(n) %}hello {{ n }}{% endmacro %}
{% macro postgres__only_pg() %}pg{% endmacro %}
{% macro default__only_pg() %}default{% endmacro %}

{% test positive(model, column_name) %}select * from {{ model }} where {{ column_name }} < 0{% endtest %}`,
  ),
];

describe('macros', () => {
  const r = makeRenderer({ macroFiles: MACROS });

  it('loads macro metadata once, with locations', () => {
    expect(r.diagnostics).toEqual([]);
    const money = r.macros.find((m) => m.unique_name === 'shop.cents_to_dollars');
    expect(money).toMatchObject({ name: 'cents_to_dollars', package_name: 'shop', original_file_path: 'macros/money.sql', line: 1, col: 1, arguments: ['col', 'scale'], builtin: false });
    expect(money?.macro_sql.endsWith('{%- endmacro %}')).toBe(true);
    expect(r.macros.find((m) => m.unique_name === 'shop.test_positive')).toMatchObject({ line: 16 });
    expect(r.macros.some((m) => m.unique_name === 'dbt.dateadd' && m.builtin)).toBe(true);
    expect(r.macros.some((m) => m.package_name === 'dbt_utils')).toBe(false);
  });

  it('are callable unqualified and as <project>.<name>, and record nested calls', () => {
    const res = ok(r, "select {{ cents_to_dollars('amount') }}, {{ shop.cents_to_dollars('x', scale=4) }}, {{ wrapped('y') }}");
    expect(res.sql).toBe('select (amount / 100)::numeric(16, 2), (x / 100)::numeric(16, 4), round((y / 100)::numeric(16, 2))');
    expect([...res.macros].sort()).toEqual(['shop.cents_to_dollars', 'shop.wrapped']);
  });

  it('see the calling model context (this, config)', () => {
    expect(sql(r, "{{ config(materialized='table') }}{{ model_schema() }}", node({ schema: 's1' }))).toBe('s1.table');
    expect(sql(r, '{{ model_schema() }}', node({ schema: 's2', config: { materialized: 'view' } }))).toBe('s2.view');
  });

  it('return() gives the caller a value; the macro frame survives nested returns', () => {
    expect(sql(r, '{{ pick(5) }} {{ pick(0) }} {{ cols() | join(",") }} {{ cols()[1] }} {{ outer() }}')).toBe('big small a,b b kept-big');
  });

  it('call blocks and caller()', () => {
    expect(sql(r, "{% call wrap_with('b') %}x{{ 1 + 1 }}{% endcall %}")).toBe('<b>x2</b>');
  });

  it('adapter.dispatch finds postgres__ then default__', () => {
    const res = ok(r, "{{ adapter.dispatch('greet')('bob') }} {{ adapter.dispatch('only_pg', 'shop')() }}");
    expect(res.sql).toBe('hello bob pg');
    expect(res.macros).toContain('shop.default__greet');
    const out = r.render(node(), "{{ adapter.dispatch('gret')() }}");
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.diagnostics[0]).toMatchObject({ code: 'undefined-macro', hint: "did you mean 'default__greet'?" });
  });

  it('macros defined in the model itself work', () => {
    expect(sql(r, '{% macro twice(x) %}{{ x }}{{ x }}{% endmacro %}{{ twice("ab") }}')).toBe('abab');
  });

  it("project macros shadow dbt's unqualified; dbt.<name> stays dbt's", () => {
    const own = makeRenderer({ macroFiles: [file('macros/k.sql', '{% macro hash(f) %}mine({{ f }}){% endmacro %}')] });
    const res = ok(own, "{{ hash('a') }} {{ dbt.hash('a') }}");
    expect(res.sql).toBe('mine(a) md5(cast(a as TEXT))');
    expect([...res.macros].sort()).toEqual(['dbt.default__hash', 'dbt.hash', 'shop.hash']);
  });

  it('dbt_utils is not built in: without the package its use names `strata deps`', () => {
    const out = makeRenderer().render(node(), "{{ dbt_utils.star(ref('a')) }}");
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.diagnostics[0]).toMatchObject({ code: 'undefined-variable', line: 1, col: 4, hint: expect.stringContaining('strata deps') });
  });

  it('duplicate macros are reported', () => {
    const dup = makeRenderer({ macroFiles: [file('macros/a.sql', '{% macro m() %}1{% endmacro %}'), file('macros/b.sql', '\n{% macro m() %}2{% endmacro %}')] });
    expect(dup.diagnostics).toEqual([
      expect.objectContaining({ code: 'duplicate-macro', file: 'macros/b.sql', line: 2, col: 1 }),
    ]);
  });

  it('a syntax error in a macro file is a diagnostic of that file', () => {
    const bad = makeRenderer({ macroFiles: [file('macros/bad.sql', '{% macro m() %}\n{{ 1 + }}\n{% endmacro %}')] });
    expect(bad.diagnostics).toEqual([expect.objectContaining({ code: 'jinja-syntax', file: 'macros/bad.sql', line: 2 })]);
  });
});

describe('block tags', () => {
  const r = makeRenderer();
  it('set blocks, do, whitespace control, raw, comments', () => {
    expect(sql(r, "{% set cols %}a, b{% endset %}select {{ cols }}\n{%- set l = [] -%}\n{% do l.append('x') %}{{ l }}")).toBe("select a, b['x']");
    expect(sql(r, '{% raw %}{{ not rendered }}{% endraw %} {# gone #}x')).toBe('{{ not rendered }} x');
    expect(sql(r, 'a\n  {{- " b " -}}\n  c')).toBe('a b c');
  });

  it('docs, materialization and snapshot tags parse; snapshot renders its body', () => {
    expect(sql(r, "{% docs d %}ignored {{ x }}{% enddocs %}{% materialization table, adapter='postgres' %}{{ nope }}{% endmaterialization %}ok")).toBe('ok');
    expect(sql(r, "{% snapshot s %}select {{ 1 }}{% endsnapshot %}")).toBe('select 1');
  });

  it('for loops with items(), loop vars, inline if', () => {
    expect(sql(r, "{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }}{{ ',' if not loop.last }}{% endfor %}")).toBe('a=1,b=2');
  });
});
