import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/diagnostics/index.js';
import { file, makeRenderer, node } from './helpers.js';

function fail(r: ReturnType<typeof makeRenderer>, src: string, n = node()): Diagnostic {
  const out = r.render(n, src);
  if (out.ok) throw new Error(`expected a failure, got ${JSON.stringify(out.result.sql)}`);
  expect(out.diagnostics).toHaveLength(1);
  return out.diagnostics[0] as Diagnostic;
}

const MACROS = [
  file(
    'macros/checks.sql',
    `{% macro must_be_positive(x) %}
  {% if x <= 0 %}
    {{ exceptions.raise_compiler_error('x must be positive, got ' ~ x) }}
  {% endif %}
  {{ x }}
{% endmacro %}

{% macro uses_undefined() %}
select {{ not_defined_anywhere.x }}
{% endmacro %}

{% macro calls_inner() %}{{ must_be_positive(-1) }}{% endmacro %}`,
  ),
];

describe('diagnostics point at the user file and line', () => {
  const r = makeRenderer({ macroFiles: MACROS });

  it('printing an undefined variable renders nothing (as dbt) with a warning at file:line:col of the name', () => {
    const out = r.render(node(), 'select 1\nfrom t\nwhere a = {{ some_var }}');
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.result.sql).toBe('select 1\nfrom t\nwhere a = ');
    expect(out.result.warnings).toEqual([
      expect.objectContaining({
        code: 'undefined-variable',
        severity: 'warning',
        file: 'models/orders.sql',
        line: 3,
        col: 14,
        node: 'model.shop.orders',
        message: "'some_var' is undefined and renders as nothing",
      }),
    ]);
  });

  it('calling or dereferencing an undefined variable is an error at its file:line:col', () => {
    expect(fail(r, 'select 1\nfrom t\nwhere a = {{ some_var.x }}')).toMatchObject({
      code: 'undefined-variable',
      severity: 'error',
      file: 'models/orders.sql',
      line: 3,
      col: 14,
      message: "'some_var' is undefined",
    });
    expect(fail(r, '\n  {{ some_macro() }}')).toMatchObject({ code: 'undefined-macro', line: 2, col: 6 });
  });

  it('attribute of an undefined name is undefined-variable; missing attributes of defined values render empty', () => {
    expect(fail(r, '\n{{ cfg.x }}')).toMatchObject({ code: 'undefined-variable', line: 2, col: 4 });
    const out = r.render(node(), "{% set d = {'a': 1} %}[{{ d.b }}]");
    expect(out.ok && out.result.sql).toBe('[]');
  });

  it('is defined, default, none keep working', () => {
    const out = r.render(node(), "{% if x is defined %}a{% else %}b{% endif %} {{ x | default('y') }} {{ none }} {{ d is none }}");
    expect(out.ok && out.result.sql).toBe('b y None False');
  });

  it('undefined macro with did-you-mean', () => {
    expect(fail(r, "select\n  {{ must_be_positiv(1) }}")).toMatchObject({
      code: 'undefined-macro',
      file: 'models/orders.sql',
      line: 2,
      col: 6,
      hint: "did you mean 'must_be_positive'?",
    });
  });

  it('jinja syntax error', () => {
    const d = fail(r, 'select 1\n{% if x %}\nfrom t');
    expect(d).toMatchObject({ code: 'jinja-syntax', file: 'models/orders.sql', line: 3 });
    const d2 = fail(r, 'select\n  {{ 1 + }}');
    expect(d2).toMatchObject({ code: 'jinja-syntax', file: 'models/orders.sql', line: 2 });
  });

  it('raise_compiler_error in a macro: macro file:line, message names the model call site', () => {
    const d = fail(r, 'select 1,\n\n{{ must_be_positive(-3) }}');
    expect(d).toMatchObject({ code: 'macro-error', file: 'macros/checks.sql', line: 3, col: 8, node: 'model.shop.orders' });
    expect(d.message).toBe("x must be positive, got -3 (in macro 'shop.must_be_positive', called from models/orders.sql:3)");
  });

  it('nested macros: innermost macro location, outermost call site', () => {
    const d = fail(r, '\n{{ calls_inner() }}');
    expect(d).toMatchObject({ code: 'macro-error', file: 'macros/checks.sql', line: 3 });
    expect(d.message).toContain("in macro 'shop.must_be_positive', called from models/orders.sql:2");
  });

  it('undefined variable inside a macro points at the macro file', () => {
    expect(fail(r, 'x\n{{ uses_undefined() }}')).toMatchObject({ code: 'undefined-variable', file: 'macros/checks.sql', line: 9, col: 11 });
  });

  it('raise_compiler_error in the model itself', () => {
    const d = fail(r, "\n  {{ exceptions.raise_compiler_error('stop') }}");
    expect(d).toMatchObject({ code: 'macro-error', file: 'models/orders.sql', line: 2, col: 6, message: 'stop' });
  });

  it('exceptions.warn is a warning in the result, not a failure', () => {
    const out = r.render(node(), "a{{ exceptions.warn('careful') }}");
    expect(out.ok).toBe(true);
    if (out.ok) {
      expect(out.result.sql).toBe('a');
      expect(out.result.warnings).toEqual([expect.objectContaining({ severity: 'warning', message: 'careful', file: 'models/orders.sql', line: 1 })]);
    }
  });

  it('lineOffset shifts lines of snapshot bodies', () => {
    expect(fail(r, '\n{{ nope.x }}', node({ lineOffset: 10 }))).toMatchObject({ code: 'undefined-variable', line: 11 });
    expect(fail(r, '\n{% if %}', node({ lineOffset: 10 }))).toMatchObject({ code: 'jinja-syntax', line: 11 });
  });

  it('runtime errors from Python methods become render-error at the call', () => {
    expect(fail(r, "\n{{ [].pop() }}")).toMatchObject({ code: 'render-error', file: 'models/orders.sql', line: 2 });
  });
});

describe('syntax errors in macro and package files are located diagnostics, never crashes', () => {
  const cases: [string, string, number, number, string][] = [
    ['{% macro m() %}\n{{ x[1:2:3:4] }}\n{% endmacro %}', 'slice with four parts', 2, 5, 'invalid slice'],
    ['{% macro m(a,) %}{{ f(**) }}{% endmacro %}', '** without a value', 1, 25, 'unexpected token'],
    ["{% macro m() %}\n\n{{ 'unterminated }}{% endmacro %}", 'an unterminated string', 3, 1, 'expected variable end'],
    ['{% macro m() %}{% for x in %}{% endfor %}{% endmacro %}', 'a for loop without an iterable', 1, 28, 'unexpected token'],
    ['{% materialization %}{% endmaterialization %}', 'a materialization without a name', 1, 20, 'unexpected token'],
  ];
  for (const [src, what, line, col, message] of cases) {
    it(`${what}, in a package's macro file`, () => {
      const r = makeRenderer({ packages: [{ name: 'pkg', macroFiles: [file('dbt_packages/pkg/macros/bad.sql', src)], vars: {} }] });
      expect(r.diagnostics).toEqual([
        expect.objectContaining({ code: 'jinja-syntax', severity: 'error', file: 'dbt_packages/pkg/macros/bad.sql', line, col, message: expect.stringContaining(message) }),
      ]);
    });
  }
});
