/**
 * Golden tests: Jinja2's string and number filters (round, int, tojson, truncate, indent,
 * urlencode, ...) and dbt's as_* filters. Expected strings are what Jinja2 (2.11–3.x) renders.
 */
import { describe, expect, it } from 'vitest';
import { makeRenderer, sql } from './helpers.js';

const r = makeRenderer();

describe('numbers', () => {
  it('round: common (half to even, as Python), floor, ceil', () => {
    expect(sql(r, '{{ 3.14159 | round(2) }} {{ 2.7 | round | int }} {{ 2.5 | round | int }} {{ 3.5 | round | int }}')).toBe('3.14 3 2 4');
    expect(sql(r, "{{ 0.125 | round(2) }} {{ 2.675 | round(2) }} {{ 3.19 | round(1, 'floor') }} {{ 3.11 | round(1, 'ceil') }}")).toBe(
      '0.12 2.67 3.1 3.2',
    );
    expect(sql(r, "{{ -2.5 | round | int }} {{ 42 | round }} {{ 1.25 | round(1, method='common') }}")).toBe('-2 42 1.2');
  });

  it('int: strings, floats, fallbacks, bases', () => {
    expect(sql(r, "{{ '42' | int }} {{ '3.7' | int }} {{ 3.9 | int }} {{ -3.9 | int }} {{ 'x' | int }} {{ 'x' | int(5) }}")).toBe('42 3 3 -3 0 5');
    expect(sql(r, "{{ true | int }} {{ none | int }} {{ '0x1A' | int(0, 16) }} {{ ' 7 ' | int }}")).toBe('1 0 26 7');
  });

  it('float', () => {
    expect(sql(r, "{{ '1.5' | float }} {{ '1.5' | float + 1 }} {{ 'x' | float(2.5) }} {{ '1e3' | float | int }}")).toBe('1.5 2.5 2.5 1000');
  });

  it('abs', () => {
    expect(sql(r, '{{ -3 | abs }} {{ 2.5 | abs }}')).toBe('3 2.5');
  });

  it('filesizeformat (decimal and binary prefixes)', () => {
    expect(sql(r, '{{ 1 | filesizeformat }}|{{ 100 | filesizeformat }}|{{ 1000 | filesizeformat }}|{{ 1500000 | filesizeformat }}')).toBe(
      '1 Byte|100 Bytes|1.0 kB|1.5 MB',
    );
    expect(sql(r, '{{ 1024 | filesizeformat(true) }}|{{ 3000000000 | filesizeformat }}')).toBe('1.0 KiB|3.0 GB');
  });
});

describe('strings', () => {
  it('string / lower / upper / title / capitalize', () => {
    expect(sql(r, "{{ 1 | string }} {{ none | string }} {{ [1, 'a'] | string }} {{ true | string }}")).toBe("1 None [1, 'a'] True");
    expect(sql(r, "{{ 'AbC' | lower }} {{ 'abc' | upper }} {{ 'hELLO world' | capitalize }}")).toBe('abc ABC Hello world');
    expect(sql(r, "{{ \"they're bill's friends\" | title }}|{{ 'hello-world foo_bar' | title }}")).toBe("They're Bill's Friends|Hello-World Foo_bar");
  });

  it('replace (with count), trim (with chars), wordcount', () => {
    expect(sql(r, "{{ 'aaa' | replace('a', 'b') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ 'a.b' | replace('.', '') }}")).toBe('bbb bba ab');
    expect(sql(r, "[{{ '  a b  ' | trim }}] [{{ 'xxaxx' | trim('x') }}]")).toBe('[a b] [a]');
    expect(sql(r, "{{ 'a b  c' | wordcount }} {{ 'one, two-three' | wordcount }}")).toBe('3 3');
  });

  it('indent: not the first line, not blank lines, unless asked', () => {
    expect(sql(r, "{{ 'a\\nb' | indent(2) }}")).toBe('a\n  b');
    expect(sql(r, "{{ 'a\\nb' | indent(2, true) }}")).toBe('  a\n  b');
    expect(sql(r, "{{ 'a\\n\\nb' | indent(2) }}")).toBe('a\n\n  b');
    expect(sql(r, "{{ 'a\\n\\nb' | indent(width=2, first=true, blank=true) }}")).toBe('  a\n  \n  b');
    expect(sql(r, "{{ 'a\\nb' | indent('> ') }}")).toBe('a\n> b');
    expect(sql(r, "{{ 'a\\nb' | indent }}")).toBe('a\n    b');
  });

  it('center (Python str.center)', () => {
    expect(sql(r, "[{{ 'a' | center(5) }}] [{{ 'ab' | center(5) }}] [{{ 'a' | center(4) }}]")).toBe('[  a  ] [  ab ] [ a  ]');
  });

  it('truncate with Jinja leeway of 5', () => {
    expect(sql(r, "{{ 'foo bar baz qux' | truncate(9) }}|{{ 'foo bar baz qux' | truncate(9, true) }}|{{ 'hello' | truncate(3) }}")).toBe(
      'foo...|foo ba...|hello',
    );
    expect(sql(r, "{{ 'foo bar baz qux' | truncate(11, false, '…', 0) }}|{{ 'hello world' | truncate(7, leeway=0) }}")).toBe('foo bar…|hell...');
  });

  it('urlencode strings and dicts', () => {
    expect(sql(r, "{{ 'a b&c/d' | urlencode }}|{{ {'a': 1, 'b': 'x y&'} | urlencode }}|{{ [['k', 'v w']] | urlencode }}")).toBe(
      'a%20b%26c/d|a=1&b=x+y%26|k=v+w',
    );
    expect(sql(r, "{{ 'é~_.-' | urlencode }}")).toBe('%C3%A9~_.-');
  });

  it('format (printf style)', () => {
    expect(sql(r, "{{ '%s-%s' | format('a', 'b') }} {{ '%05.1f|%-3s|' | format(3.14159, 'x') }} {{ '%(n)s!' | format(n=1) }}")).toBe(
      'a-b 003.1|x  | 1!',
    );
  });

  it('tojson: sorted keys, Python separators, HTML-safe', () => {
    expect(sql(r, "{{ {'b': 1, 'a': [1, 'x', none, true]} | tojson }}")).toBe('{"a": [1, "x", null, true], "b": 1}');
    expect(sql(r, "{{ '<a href=\\'x\\'>&</a>' | tojson }}")).toBe('"\\u003ca href=\\u0027x\\u0027\\u003e\\u0026\\u003c/a\\u003e"');
    expect(sql(r, "{{ {'a': [1]} | tojson(indent=2) }}")).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(sql(r, "{{ 'é' | tojson }} {{ 1.5 | tojson }}")).toBe('"\\u00e9" 1.5');
  });

  it('pprint: Python repr with sorted dict keys', () => {
    expect(sql(r, "{{ {'b': 1, 'a': 'x'} | pprint }} {{ 'a' | pprint }} {{ [1, none] | pprint }}")).toBe("{'a': 'x', 'b': 1} 'a' [1, None]");
  });

  it('attr reads an attribute of an object', () => {
    expect(sql(r, "{{ this | attr('identifier') }} {{ this | attr('schema') }}")).toBe('orders analytics');
  });

  it('xmlattr renders attributes, skipping none and undefined', () => {
    expect(sql(r, "<p{{ {'class': 'x', 'id': 1, 'hidden': none} | xmlattr }}>")).toBe('<p class="x" id="1">');
    expect(sql(r, "<p {{ {'title': 'a<b\"'} | xmlattr(false) }}>")).toBe('<p title="a&lt;b&#34;">');
  });
});

describe("dbt's as_* filters (text rendering)", () => {
  it('as_bool / as_number / as_native / as_text print their value', () => {
    expect(sql(r, "{{ 'True' | as_bool }} {{ '42' | as_number }} {{ '[1, 2]' | as_native }} {{ 42 | as_text }}")).toBe('True 42 [1, 2] 42');
  });
});
