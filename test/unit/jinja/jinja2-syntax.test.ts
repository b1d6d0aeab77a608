/**
 * Golden tests: Jinja2 expression syntax that is Python's (slices, trailing commas, *args,
 * expression dict keys, unpacking, string literals, operators, truthiness, value equality).
 * Expected strings are what Jinja2 (2.11–3.x) renders.
 */
import { describe, expect, it } from 'vitest';
import { makeRenderer, sql } from './helpers.js';

const r = makeRenderer();

describe('literals', () => {
  it('a backslash-newline inside a string disappears, as in Python', () => {
    expect(sql(r, "{{ 'ab\\\ncd' }}")).toBe('abcd');
  });

  it('unknown escapes keep their backslash; known ones are decoded', () => {
    expect(sql(r, "{{ '\\d+' }}|{{ 'a\\tb' }}|{{ 'a\\\\b' }}|{{ 'it\\'s' }}")).toBe('\\d+|a\tb|a\\b|it\'s');
  });

  it('adjacent literals are concatenated', () => {
    expect(sql(r, "{{ 'a' 'b' \"c\" }}")).toBe('abc');
  });

  it('nested braces inside {{ }}', () => {
    expect(sql(r, "{{ {'a': {'b': 1}} }}")).toBe("{'a': {'b': 1}}");
    expect(sql(r, "{{ {'a': {'b': {'c': [1]}}}['a']['b'] }}")).toBe("{'c': [1]}");
  });

  it('trailing commas in lists, dicts and calls', () => {
    expect(sql(r, "{{ [1, 2,] }} {{ {'a': 1,} }}")).toBe("[1, 2] {'a': 1}");
    expect(sql(r, '{% macro f(a, b) %}{{ a }}{{ b }}{% endmacro %}{{ f(1, 2,) }}')).toBe('12');
  });

  it('dict keys that are expressions', () => {
    expect(sql(r, "{% set col = {'name': 'id'} %}{{ {col.name: col.name ~ '_x'} }}")).toBe("{'id': 'id_x'}");
    expect(sql(r, "{{ {('a' ~ 'b'): 1} }}")).toBe("{'ab': 1}");
    expect(sql(r, "{% set k = 'z' %}{{ {k: 1} }}")).toBe("{'z': 1}");
  });
});

describe('slices', () => {
  it('lists and strings', () => {
    expect(sql(r, '{{ [1, 2, 3][1:] }} {{ [1, 2, 3][:-1] }} {{ [1, 2, 3, 4][::2] }} {{ [1, 2, 3][::-1] }}')).toBe('[2, 3] [1, 2] [1, 3] [3, 2, 1]');
    expect(sql(r, "{{ 'abc'[::-1] }} {{ 'abcdef'[1:3] }} {{ 'abc'[-2:] }} {{ 'abc'[5:] }}|")).toBe('cba bc bc |');
  });
});

describe('calls', () => {
  it('*args and **kwargs', () => {
    const src = "{% macro f(a, b, c=3) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{% set xs = [1, 2] %}{{ f(*xs) }}|{{ f(1, **{'b': 5, 'c': 6}) }}|{{ f(*[7], b=8) }}";
    expect(sql(r, src)).toBe('123|156|783');
  });

  it('varargs and kwargs inside a macro', () => {
    const src = "{% macro g(a) %}{{ a }}|{{ varargs | join(',') }}|{{ varargs | length }}|{{ kwargs }}|{{ kwargs.x }}{% endmacro %}{{ g(1, 2, 3, x=4) }}";
    expect(sql(r, src)).toBe("1|2,3|2|{'x': 4}|4");
    expect(sql(r, '{% macro h() %}{{ varargs | length }}{{ kwargs | length }}{% endmacro %}{{ h() }}')).toBe('00');
  });
});

describe('assignment', () => {
  it('tuple unpacking in set', () => {
    expect(sql(r, '{% set a, b = 1, 2 %}{{ a }}{{ b }}')).toBe('12');
    expect(sql(r, "{% set a, b = ['x', 'y'] %}{{ b }}{{ a }}")).toBe('yx');
  });

  it('block set captures the body', () => {
    expect(sql(r, '{% set x %}a{{ 1 + 1 }}{% endset %}{{ x }}|{{ x | length }}')).toBe('a2|2');
  });
});

describe('operators', () => {
  it('in, not in, not x in y', () => {
    expect(sql(r, "{{ 1 in [1, 2] }} {{ 3 not in [1, 2] }} {{ not 3 in [1, 2] }} {{ 'b' in 'abc' }} {{ 'a' in {'a': 1} }} {{ 'z' in {'a': 1} }}")).toBe(
      'True True True True True False',
    );
  });

  it('conditional expressions', () => {
    expect(sql(r, "{{ 'y' if false else 'n' }} {{ 'y' if 1 }}|{{ 'y' if 0 }}|{{ 'a' if [] else 'b' }}")).toBe('n y||b');
  });

  it('arithmetic: ** // % and ~', () => {
    // Jinja's ** is left-associative and binds looser than unary minus (unlike Python)
    expect(sql(r, '{{ 2 ** 10 }} {{ 2 ** 3 ** 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 7 / 2 }} {{ 2 * 3 + 1 }} {{ -2 ** 2 }}')).toBe(
      '1024 64 3 -4 1 3.5 7 4',
    );
    expect(sql(r, '{{ (7.5 // 2) | int }} {{ 2 ** -1 }}')).toBe('3 0.5');
    expect(sql(r, "{{ 1 ~ 'a' ~ none ~ true }}")).toBe('1aNoneTrue');
  });

  it('Python truthiness in if, and, or, not', () => {
    expect(sql(r, '{% if [] %}t{% else %}f{% endif %}{% if {} %}t{% else %}f{% endif %}{% if "0" %}t{% else %}f{% endif %}{% if [0] %}t{% endif %}')).toBe(
      'fftt',
    );
    expect(sql(r, "{{ [] or 'x' }} {{ 'a' and 'b' }} {{ 0 or none }} {{ '' and 'x' }}| {{ not [] }} {{ not {'a': 1} }}")).toBe('x b None | True False');
  });

  it('== compares lists, dicts and sets by value; comparison chains', () => {
    expect(sql(r, "{{ [1, [2]] == [1, [2]] }} {{ {'a': 1} == {'a': 1} }} {{ [1, 2] == [2, 1] }} {{ {'a': 1} != {'a': 2} }}")).toBe('True True False True');
    expect(sql(r, '{{ set([1, 2]) == set([2, 1]) }} {{ set([1, 2]) == set([1, 3]) }} {{ 1 == 1.0 }} {{ 1 == true }} {{ none == none }}')).toBe(
      'True False True True True',
    );
    expect(sql(r, "{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' < 'b' }} {{ 2 >= 2 }} {{ 'a' == 'a' }} {{ 1 == '1' }}")).toBe('True False True True True False');
  });
});

describe('Python semantics of in, %, negative indexes and namespace()', () => {
  const r = makeRenderer();
  it('namespace attributes never collide with dict methods and survive loops', () => {
    expect(sql(r, '{% set ns = namespace(items=[], keys=0) %}{% for i in range(3) %}{% set ns.items = ns.items + [i] %}{% set ns.keys = ns.keys + 1 %}{% endfor %}{{ ns.items }} {{ ns.keys }} {{ namespace(a=1) }}')).toBe(
      "[0, 1, 2] 3 <Namespace {'a': 1}>",
    );
  });
  it('in compares by value; % takes the sign of the divisor; strings index from the end', () => {
    expect(sql(r, "{{ [1] in [[1]] }} {{ {'a': 1} in [{'a': 1}] }} {{ 'b' in 'abc' }} {{ 'x' in {'x': 1} }} {{ 3 not in [1, 2] }}")).toBe('True True True True True');
    expect(sql(r, '{{ -7 % 3 }} {{ 7 % -3 }} {{ 7 % 3 }}')).toBe('2 -2 1');
    expect(sql(r, "{{ 'abc'[-1] }}{{ [1, 2, 3][-2] }}")).toBe('c2');
  });
});

describe('Jinja scoping of {% set %} in loops', () => {
  const r = makeRenderer();
  it('an assignment inside a for loop stays in the loop; namespace() carries values out', () => {
    expect(sql(r, '{% set x = 1 %}{% for i in [1, 2] %}{% set x = i * 10 %}{{ x }},{% endfor %}{{ x }}')).toBe('10,20,1');
    expect(sql(r, '{% set ns = namespace(n=0) %}{% for i in [1, 2, 3] %}{% if i > 1 %}{% set ns.n = ns.n + i %}{% endif %}{% endfor %}{{ ns.n }}')).toBe('5');
    expect(sql(r, '{% macro m() %}{% set z = 1 %}{% for i in [1] %}{% set z = 5 %}{% endfor %}{{ z }}{% endmacro %}{{ m() }}')).toBe('1');
    expect(sql(r, '{% set y = 0 %}{% if true %}{% set y = 2 %}{% endif %}{{ y }}')).toBe('2');
  });
});

describe('tests with one argument written without parentheses', () => {
  const r = makeRenderer();
  it('x is divisibleby 3, is in [..], is sameas, is not in', () => {
    expect(sql(r, "{{ 10 is divisibleby 5 }} {{ 1 is in [1, 2] }} {{ 'a' is not in 'xyz' }} {{ 1 is sameas 1 }} {{ 6 is divisibleby(4) }} {{ 3 is odd and 4 is even }}")).toBe(
      'True True True True False True',
    );
  });
});

describe('Python number literals and repetition', () => {
  const r = makeRenderer();
  it('1_000, 0x10, 0o17, 0b101; string and list repetition', () => {
    expect(sql(r, '{{ 1_000 }} {{ 0x10 }} {{ 0o17 }} {{ 0b101 }} {{ 2 * 3 }}')).toBe('1000 16 15 5 6');
    expect(sql(r, "{{ 'ab' * 2 }} {{ [0] * 3 }} {{ 2 * 'x' }} {{ '-' * 0 }}")).toBe('abab [0, 0, 0] xx ');
  });
});
