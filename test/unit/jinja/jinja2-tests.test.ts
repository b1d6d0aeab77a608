/**
 * Golden tests: Jinja tests (`x is defined`, `x is divisibleby(3)`, `x is not none`, ...) as
 * Jinja2 (2.11–3.x) evaluates them. Each template prints booleans, which render as Python does.
 */
import { describe, expect, it } from 'vitest';
import { makeRenderer, sql } from './helpers.js';

const r = makeRenderer();

describe('is <test>', () => {
  it('defined / undefined', () => {
    expect(sql(r, '{% set x = 1 %}{{ x is defined }} {{ nope is defined }} {{ nope is undefined }} {{ x is undefined }}')).toBe(
      'True False True False',
    );
    expect(sql(r, '{% set x = none %}{{ x is defined }}')).toBe('True');
  });

  it('none', () => {
    expect(sql(r, '{{ none is none }} {{ 0 is none }} {{ "" is none }}')).toBe('True False False');
  });

  it('string / number / integer / float', () => {
    expect(sql(r, "{{ 'a' is string }} {{ 1 is string }}")).toBe('True False');
    expect(sql(r, "{{ 1 is number }} {{ 1.5 is number }} {{ 'a' is number }}")).toBe('True True False');
    expect(sql(r, "{{ 1 is integer }} {{ 1.5 is integer }} {{ '1' is integer }} {{ true is integer }}")).toBe('True False False False');
    expect(sql(r, '{{ 1.5 is float }} {{ 1 is float }}')).toBe('True False');
  });

  it('mapping / iterable / sequence', () => {
    expect(sql(r, '{{ {} is mapping }} {{ [] is mapping }} {{ "a" is mapping }}')).toBe('True False False');
    expect(sql(r, "{{ [] is iterable }} {{ 'a' is iterable }} {{ {} is iterable }} {{ 1 is iterable }}")).toBe('True True True False');
    // a dict has __len__ and __getitem__, which is all Jinja's `sequence` test asks for
    expect(sql(r, "{{ [] is sequence }} {{ 'a' is sequence }} {{ {} is sequence }} {{ 1 is sequence }}")).toBe('True True True False');
  });

  it('sameas is identity', () => {
    expect(sql(r, '{% set a = [1] %}{{ a is sameas(a) }} {{ [1] is sameas([1]) }} {{ none is sameas(none) }} {{ false is sameas(false) }}')).toBe(
      'True False True True',
    );
  });

  it('boolean / true / false', () => {
    expect(sql(r, '{{ true is boolean }} {{ 1 is boolean }}')).toBe('True False');
    expect(sql(r, '{{ true is true }} {{ 1 is true }} {{ false is false }} {{ 0 is false }}')).toBe('True False True False');
  });

  it('even / odd / divisibleby', () => {
    expect(sql(r, '{{ 2 is even }} {{ 3 is even }} {{ 3 is odd }} {{ -3 is odd }} {{ 0 is even }}')).toBe('True False True True True');
    expect(sql(r, '{{ 9 is divisibleby(3) }} {{ 10 is divisibleby(3) }} {{ 10 is divisibleby(5) }}')).toBe('True False True');
  });

  it('lower / upper', () => {
    expect(sql(r, "{{ 'abc' is lower }} {{ 'aBc' is lower }} {{ 'ABC' is upper }} {{ 'AbC' is upper }}")).toBe('True False True False');
  });

  it('in (lists, strings, dicts)', () => {
    expect(sql(r, "{{ 1 is in([1, 2]) }} {{ 3 is in([1, 2]) }} {{ 'b' is in('abc') }} {{ 'a' is in({'a': 1}) }} {{ 'z' is in({'a': 1}) }}")).toBe(
      'True False True True False',
    );
  });

  it('eq / ne / lt / gt / ge / le (and the operator aliases)', () => {
    expect(sql(r, '{{ 1 is eq(1) }} {{ 1 is ne(2) }} {{ 1 is lt(2) }} {{ 2 is gt(1) }} {{ 2 is ge(2) }} {{ 2 is le(1) }}')).toBe(
      'True True True True True False',
    );
    expect(sql(r, '{{ [1, 2] is eq([1, 2]) }} {{ 1 is equalto(1) }} {{ 3 is lessthan(4) }} {{ 3 is greaterthan(4) }}')).toBe(
      'True True True False',
    );
  });

  it('callable', () => {
    expect(sql(r, '{% macro m() %}{% endmacro %}{{ m is callable }} {{ range is callable }} {{ 1 is callable }} {{ "a".upper is callable }}')).toBe(
      'True True False True',
    );
  });

  it('escaped: only markup (|safe) is escaped', () => {
    expect(sql(r, "{{ 'a' is escaped }} {{ 'a' | safe is escaped }}")).toBe('False True');
  });

  it('is not negates', () => {
    expect(sql(r, "{% set x = 1 %}{{ 1 is not string }} {{ x is not defined }} {{ none is not none }} {{ 'a' is not in('xyz') }}")).toBe(
      'True False False True',
    );
    expect(sql(r, '{% if nope is not defined %}ok{% endif %}')).toBe('ok');
  });

  it('tests inside conditions and select()', () => {
    expect(sql(r, '{% if 4 is divisibleby(2) and 4 is not odd %}yes{% endif %}')).toBe('yes');
    expect(sql(r, "{{ [1, 'a', none, 2.5] | select('number') | list }}")).toBe('[1, 2.5]');
    expect(sql(r, "{{ [1, 'a', none] | reject('none') | list }}")).toBe("[1, 'a']");
  });
});
