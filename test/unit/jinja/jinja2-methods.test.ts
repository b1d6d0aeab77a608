/**
 * Golden tests: Python methods on str, list and dict values and Python string formatting
 * (`%` and `str.format`), as a Jinja2 template running on CPython renders them.
 */
import { describe, expect, it } from 'vitest';
import { makeRenderer, node, sql } from './helpers.js';

const r = makeRenderer();

describe('str methods', () => {
  it('case: upper, lower, title, capitalize, swapcase, casefold', () => {
    expect(sql(r, "{{ 'aBc'.upper() }} {{ 'aBc'.lower() }} {{ \"they're here\".title() }} {{ 'hELLO'.capitalize() }} {{ 'aB'.swapcase() }} {{ 'ÀB'.casefold() }}")).toBe(
      "ABC abc They'Re Here Hello Ab àb",
    );
  });

  it('strip / lstrip / rstrip with and without chars', () => {
    expect(sql(r, "[{{ '  x  '.strip() }}] [{{ 'xyaxy'.strip('xy') }}] [{{ 'xxa'.lstrip('x') }}] [{{ 'axx'.rstrip('x') }}] [{{ ' a '.lstrip() }}]")).toBe(
      '[x] [a] [a] [a] [a ]',
    );
  });

  it('split / rsplit with sep and maxsplit', () => {
    expect(sql(r, "{{ 'a,b,c'.split(',') }} {{ 'a,b,c'.split(',', 1) }} {{ ' a  b '.split() }} {{ 'a b c'.split(None, 1) }}")).toBe(
      "['a', 'b', 'c'] ['a', 'b,c'] ['a', 'b'] ['a', 'b c']",
    );
    expect(sql(r, "{{ ' a  b c '.split(None, 1) }} {{ ' a  b c '.rsplit(None, 1) }} {{ ' a '.split(None, 0) }}")).toBe("['a', 'b c '] [' a  b', 'c'] ['a ']");
    expect(sql(r, "{{ 'a,b,c'.rsplit(',', 1) }} {{ 'a b  c'.rsplit(None, 1) }} {{ 'a,b'.rsplit(',') }} {{ 'a,,b'.split(',') }}")).toBe(
      "['a,b', 'c'] ['a b', 'c'] ['a', 'b'] ['a', '', 'b']",
    );
  });

  it('replace (with count), startswith / endswith (also tuples)', () => {
    expect(sql(r, "{{ 'aaa'.replace('a', 'b') }} {{ 'aaa'.replace('a', 'b', 2) }}")).toBe('bbb bba');
    expect(sql(r, "{{ 'abc'.startswith('ab') }} {{ 'abc'.startswith(('x', 'a')) }} {{ 'abc'.endswith(('x', 'y')) }} {{ 'abc'.endswith('bc') }}")).toBe(
      'True True False True',
    );
  });

  it('find / rfind / index / count', () => {
    expect(sql(r, "{{ 'abcabc'.find('c') }} {{ 'abcabc'.rfind('c') }} {{ 'abc'.find('z') }} {{ 'abc'.index('b') }} {{ 'aaa'.count('a') }} {{ 'abab'.count('ab') }}")).toBe(
      '2 5 -1 1 3 2',
    );
    expect(r.render(node(), "{{ 'abc'.index('z') }}").ok).toBe(false);
  });

  it('join of a list and of a string', () => {
    expect(sql(r, "{{ '-'.join(['a', 'b']) }} {{ ', '.join('abc') }} {{ ''.join([]) }}|")).toBe('a-b a, b, c |');
  });

  it('is* predicates', () => {
    expect(sql(r, "{{ '123'.isdigit() }} {{ '12a'.isdigit() }} {{ 'ab'.isalpha() }} {{ 'a1'.isalnum() }} {{ ' \\t'.isspace() }} {{ ''.isspace() }}")).toBe(
      'True False True True True False',
    );
    expect(sql(r, "{{ 'AB1'.isupper() }} {{ 'ab1'.islower() }} {{ '12'.islower() }} {{ 'Ab'.isupper() }}")).toBe('True True False False');
  });

  it('zfill, ljust, rjust, center', () => {
    expect(sql(r, "{{ '42'.zfill(5) }} {{ '-42'.zfill(5) }} [{{ 'a'.ljust(3, '*') }}] [{{ 'a'.rjust(3) }}] [{{ 'ab'.center(5, '*') }}] [{{ 'abc'.center(2) }}]")).toBe(
      '00042 -0042 [a**] [  a] [**ab*] [abc]',
    );
  });

  it('partition / rpartition / splitlines', () => {
    expect(sql(r, "{{ 'a=b=c'.partition('=') }} {{ 'abc'.rpartition('=') }}")).toBe("('a', '=', 'b=c') ('', '', 'abc')");
    expect(sql(r, "{{ 'a=b=c'.partition('=') | join('|') }} {{ 'a=b=c'.rpartition('=') | join('|') }} {{ 'abc'.partition('=') | join('|') }}")).toBe(
      'a|=|b=c a=b|=|c abc||',
    );
    expect(sql(r, "{{ 'a\\nb\\r\\nc\\n'.splitlines() }} {{ ''.splitlines() }}")).toBe("['a', 'b', 'c'] []");
  });

  it('format: auto and explicit positions, names, format specs', () => {
    expect(sql(r, "{{ '{}-{}'.format(1, 2) }} {{ '{a}'.format(a=1) }} {{ '{0}{1}{0}'.format('a', 'b') }} {{ '{{x}}'.format() }}")).toBe('1-2 1 aba {x}');
    expect(sql(r, "[{{ '{:>5}'.format('x') }}] [{{ '{:<3}|'.format('x') }}] [{{ '{:^5}'.format('x') }}] [{{ '{:*>4}'.format(7) }}]")).toBe(
      '[    x] [x  |] [  x  ] [***7]',
    );
    expect(sql(r, "{{ '{:.2f}'.format(3.14159) }} {{ '{:05d}'.format(42) }} {{ '{:,}'.format(1234567) }} {{ '{:+d}'.format(3) }} {{ '{!r}'.format('a') }}")).toBe(
      "3.14 00042 1,234,567 +3 'a'",
    );
    expect(sql(r, "{{ '{0[0]}-{x[k]}'.format(['a'], x={'k': 'v'}) }} {{ '{:>{w}}'.format('x', w=3) }}")).toBe('a-v   x');
  });

  it('% formatting', () => {
    expect(sql(r, "{{ '%s-%d' % ('a', 1) }} {{ '%(x)s' % {'x': 1} }} {{ '%s' % 'a' }} {{ '%.2f%%' % 12.345 }} {{ '%5s|%-5s|' % ('a', 'b') }}")).toBe(
      'a-1 1 a 12.35%     a|b    |',
    );
    expect(sql(r, "{{ '%03d' % 7 }} {{ '%x' % 255 }} {{ '%r' % 'a' }} {{ '%s' % [1, 2] }} {{ '%(a)s/%(b)d' % {'a': 'x', 'b': 2.7} }}")).toBe(
      "007 ff 'a' [1, 2] x/2",
    );
  });
});

describe('list methods', () => {
  it('append, extend, insert mutate in place', () => {
    expect(sql(r, '{% set l = [1] %}{% do l.append(2) %}{% do l.extend([3, 4]) %}{% do l.insert(0, 0) %}{{ l }}')).toBe('[0, 1, 2, 3, 4]');
  });

  it('pop, remove, index, count', () => {
    const src = "{% set l = [0, 1, 2, 3, 4] %}{{ l.pop() }} {{ l.pop(0) }} {{ l.pop(-1) }}{% do l.remove(2) %} {{ l }} {{ ['a', 'b'].index('b') }} {{ [1, 1, 2].count(1) }} {{ [[1], [1]].count([1]) }}";
    expect(sql(r, src)).toBe('4 0 3 [1] 1 2 2');
  });

  it('reverse and sort in place, sort(reverse=True), copy is independent', () => {
    const src = '{% set l = [3, 1, 2] %}{% do l.sort() %}{{ l }}{% do l.sort(reverse=True) %}{{ l }}{% do l.reverse() %}{{ l }}' +
      '{% set c = l.copy() %}{% do c.append(9) %}{{ l | length }}{{ c | length }}';
    expect(sql(r, src)).toBe('[1, 2, 3][3, 2, 1][1, 2, 3]34');
    expect(sql(r, "{% set l = ['b', 'C', 'a'] %}{% do l.sort() %}{{ l }}")).toBe("['C', 'a', 'b']");
  });
});

describe('dict methods', () => {
  const D = "{% set d = {'a': 1, 'b': 2} %}";
  it('get, keys, values, items', () => {
    expect(sql(r, `${D}{{ d.items() | list }} {{ d.items() | first }}`)).toBe("[('a', 1), ('b', 2)] ('a', 1)");
    expect(sql(r, `${D}{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 0) }} {{ d.keys() | list }} {{ d.values() | list }} {{ d.items() | list | length }}`)).toBe(
      "1 None 0 ['a', 'b'] [1, 2] 2",
    );
  });

  it('update, pop, setdefault, copy, in', () => {
    const src = `${D}{% do d.update({'c': 3}) %}{% do d.update(e=5) %}{{ d.pop('a') }} {{ d.pop('zz', 'dflt') }} {{ d.setdefault('b', 9) }} {{ d.setdefault('f', 6) }} ` +
      "{% set c = d.copy() %}{% do c.update({'g': 1}) %}{{ d }} {{ 'g' in c }} {{ 'g' in d }} {{ 'b' in d }}";
    expect(sql(r, src)).toBe("1 dflt 2 6 {'b': 2, 'c': 3, 'e': 5, 'f': 6} True False True");
  });
});

