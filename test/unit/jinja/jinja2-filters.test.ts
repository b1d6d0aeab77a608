/**
 * Golden tests: Jinja2's collection filters (map, select*, groupby, sort, join, sum, ...).
 * Expected strings are what Jinja2 (2.11–3.x) renders; lazy results are forced with `| list`
 * where Jinja would otherwise print a generator.
 */
import { describe, expect, it } from 'vitest';
import { makeRenderer, sql } from './helpers.js';

const r = makeRenderer();
const ROWS = "{% set rows = [{'a': 1, 'b': 'x'}, {'a': 2, 'b': 'y'}, {'a': 1, 'b': 'z'}] %}";
const rows = (expr: string): string => sql(r, `${ROWS}{{ ${expr} }}`);

describe('map / select / reject', () => {
  it('map(attribute=) and map(filter)', () => {
    expect(rows("rows | map(attribute='a') | list")).toBe('[1, 2, 1]');
    expect(rows("rows | map(attribute='c', default=0) | list")).toBe('[0, 0, 0]');
    expect(sql(r, "{{ ['a', 'b'] | map('upper') | list }}")).toBe("['A', 'B']");
    expect(sql(r, "{{ ['a-b', 'c'] | map('replace', '-', '_') | join(',') }}")).toBe('a_b,c');
    expect(sql(r, "{{ [1, 2] | map('string') | join('+') }}")).toBe('1+2');
  });

  it('selectattr / rejectattr with and without a test', () => {
    expect(sql(r, "{{ [{'a': 0, 'b': 'x'}, {'a': 1, 'b': 'y'}] | selectattr('a') | map(attribute='b') | join(',') }}")).toBe('y');
    expect(rows("rows | selectattr('a', 'equalto', 1) | map(attribute='b') | join(',')")).toBe('x,z');
    expect(rows("rows | selectattr('a', '==', 1) | map(attribute='b') | join(',')")).toBe('x,z');
    expect(rows("rows | selectattr('b', 'in', ['x', 'y']) | map(attribute='b') | join(',')")).toBe('x,y');
    expect(rows("rows | rejectattr('a', 'equalto', 1) | map(attribute='b') | join(',')")).toBe('y');
    expect(rows("rows | selectattr('a', 'gt', 1) | list | length")).toBe('1');
  });

  it('select / reject with a test or by truthiness', () => {
    expect(sql(r, "{{ [1, 2, 3, 4, 5] | select('odd') | list }}")).toBe('[1, 3, 5]');
    expect(sql(r, "{{ [1, 2, 3, 4, 5] | reject('odd') | list }}")).toBe('[2, 4]');
    expect(sql(r, "{{ [3, 4, 6] | select('divisibleby', 3) | list }}")).toBe('[3, 6]');
    expect(sql(r, "{{ [0, 1, '', 'a', [], none] | select | list }}")).toBe("[1, 'a']");
    expect(sql(r, "{{ [0, 1, '', 'a'] | reject | list }}")).toBe("[0, '']");
  });
});

describe('groupby / unique / sort / dictsort', () => {
  it('groupby sorts by the key and exposes grouper and list', () => {
    expect(sql(r, `${ROWS}{% for g in rows | groupby('a') %}{{ g.grouper }}:{{ g.list | map(attribute='b') | join(',') }};{% endfor %}`)).toBe(
      '1:x,z;2:y;',
    );
    expect(sql(r, "{{ [{'a': 1}] | groupby('a') | list }} {{ (['B', 'b', 'a'] | groupby('0') | first).grouper }}")).toBe("[(1, [{'a': 1}])] a");
    expect(sql(r, `${ROWS}{% for key, items in rows | groupby('b') | reverse %}{{ key }}{{ items | length }}{% endfor %}`)).toBe('z1y1x1');
  });

  it('unique keeps the first of each value, case-insensitively by default', () => {
    expect(sql(r, '{{ [1, 2, 1, 3] | unique | list }}')).toBe('[1, 2, 3]');
    expect(sql(r, "{{ ['a', 'A', 'b'] | unique | list }}")).toBe("['a', 'b']");
    expect(sql(r, "{{ ['a', 'A', 'b'] | unique(case_sensitive=true) | list }}")).toBe("['a', 'A', 'b']");
    expect(rows("rows | unique(attribute='a') | map(attribute='b') | join(',')")).toBe('x,y');
  });

  it('sort: natural, case-insensitive, reverse, by attribute (stable)', () => {
    expect(sql(r, '{{ [3, 1, 2] | sort }}')).toBe('[1, 2, 3]');
    expect(sql(r, "{{ ['b', 'A', 'c'] | sort }}")).toBe("['A', 'b', 'c']");
    expect(sql(r, "{{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}")).toBe("['A', 'b', 'c']");
    expect(sql(r, "{{ ['b', 'a', 'C'] | sort(false, true) }}")).toBe("['C', 'a', 'b']");
    expect(sql(r, '{{ [3, 1, 2] | sort(reverse=true) }}')).toBe('[3, 2, 1]');
    expect(rows("rows | sort(attribute='a') | map(attribute='b') | join(',')")).toBe('x,z,y');
    // Python's sorted(reverse=True) keeps equal items in their original order
    expect(rows("rows | sort(attribute='a', reverse=true) | map(attribute='b') | join(',')")).toBe('y,x,z');
    expect(rows("rows | sort(attribute='a,b') | map(attribute='b') | join(',')")).toBe('x,z,y');
  });

  it('dictsort by key (default) or value', () => {
    expect(sql(r, "{{ {'b': 1, 'a': 2} | dictsort }} {{ {'b': 1} | items | list }}")).toBe("[('a', 2), ('b', 1)] [('b', 1)]");
    expect(sql(r, "{% for k, v in {'b': 1, 'a': 2, 'C': 0} | dictsort %}{{ k }}={{ v }};{% endfor %}")).toBe('a=2;b=1;C=0;');
    expect(sql(r, "{% for k, v in {'b': 1, 'a': 2} | dictsort(by='value') %}{{ k }};{% endfor %}")).toBe('b;a;');
    expect(sql(r, "{% for k, v in {'b': 1, 'a': 2} | dictsort(reverse=true) %}{{ k }};{% endfor %}")).toBe('b;a;');
  });
});

describe('join / default / list / batch / slice', () => {
  it('join with a separator, an attribute, non-strings', () => {
    expect(sql(r, "{{ ['a', 'b'] | join(', ') }}")).toBe('a, b');
    expect(sql(r, "{{ ['a', 'b'] | join }}")).toBe('ab');
    expect(rows("rows | join(', ', attribute='b')")).toBe('x, y, z');
    expect(rows("rows | join(attribute='b')")).toBe('xyz');
    expect(sql(r, "{{ [1, none, true] | join('-') }}")).toBe('1-None-True');
  });

  it('default / d: only undefined is replaced unless boolean=true', () => {
    expect(sql(r, "{{ nope | default('x') }} {{ none | default('x') }} {{ '' | default('x') }}|")).toBe('x None |');
    expect(sql(r, "{{ '' | default('x', true) }} {{ [] | default('e', true) }} {{ 0 | default(5, boolean=true) }}")).toBe('x e 5');
    expect(sql(r, "{{ nope | d('y') }} {{ '' | d('y', true) }} {{ 'v' | d('y') }}")).toBe('y y v');
    expect(sql(r, "{% set o = {} %}{{ o.missing | default('m') }}")).toBe('m');
  });

  it('list of a string, a dict, a list', () => {
    expect(sql(r, "{{ 'ab' | list }} {{ {'a': 1} | list }} {{ [1] | list }}")).toBe("['a', 'b'] ['a'] [1]");
  });

  it('batch groups consecutive items, optionally filling the last batch', () => {
    expect(sql(r, '{{ [1, 2, 3] | batch(2) | list }}')).toBe('[[1, 2], [3]]');
    expect(sql(r, "{{ [1, 2, 3] | batch(2, 'x') | list }}")).toBe("[[1, 2], [3, 'x']]");
  });

  it('slice splits into n columns, the first ones one longer', () => {
    expect(sql(r, '{{ [1, 2, 3] | slice(2) | list }}')).toBe('[[1, 2], [3]]');
    expect(sql(r, '{{ [1, 2, 3, 4, 5] | slice(3) | list }}')).toBe('[[1, 2], [3, 4], [5]]');
    expect(sql(r, '{{ [1, 2, 3, 4] | slice(3, 0) | list }}')).toBe('[[1, 2], [3, 0], [4, 0]]');
  });
});

describe('sum / min / max / length / first / last / reverse / items', () => {
  it('sum, with attribute and start', () => {
    expect(sql(r, '{{ [1, 2, 3] | sum }}')).toBe('6');
    expect(rows("rows | sum(attribute='a')")).toBe('4');
    expect(sql(r, '{{ [1] | sum(start=10) }}')).toBe('11');
    expect(sql(r, '{{ [] | sum }}')).toBe('0');
  });

  it('min / max, case-insensitive for strings, by attribute', () => {
    expect(sql(r, '{{ [3, 1, 2] | min }} {{ [3, 1, 2] | max }}')).toBe('1 3');
    expect(sql(r, "{{ ['b', 'A', 'c'] | min }} {{ ['b', 'A', 'C'] | max }}")).toBe('A C');
    expect(rows("(rows | max(attribute='a')).b")).toBe('y');
    expect(rows("rows | min(attribute='a')")).toBe("{'a': 1, 'b': 'x'}");
  });

  it('length / count', () => {
    expect(sql(r, "{{ [1, 2] | length }} {{ 'abc' | count }} {{ {'a': 1} | length }} {{ [] | count }}")).toBe('2 3 1 0');
  });

  it('first / last', () => {
    expect(sql(r, "{{ [1, 2, 3] | first }} {{ [1, 2, 3] | last }} {{ 'abc' | first }} {{ 'abc' | last }}")).toBe('1 3 a c');
  });

  it('reverse of a list and of a string', () => {
    expect(sql(r, "{{ [1, 2, 3] | reverse | list }} {{ 'abc' | reverse }}")).toBe('[3, 2, 1] cba');
  });

  it('items (Jinja 3.1)', () => {
    expect(sql(r, "{% for k, v in {'a': 1, 'b': 2} | items %}{{ k }}{{ v }}{% endfor %}")).toBe('a1b2');
    expect(sql(r, '{{ nope | items | list }}')).toBe('[]');
  });
});
