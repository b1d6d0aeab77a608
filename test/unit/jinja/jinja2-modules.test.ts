/**
 * Golden tests: dbt's `modules.datetime` and `modules.re`, and the dbt context functions
 * print / log / exceptions.warn / return. Expected strings are what dbt (Jinja2 on CPython)
 * renders; datetimes are naive, as `modules.datetime.datetime(...)` builds them.
 */
import { describe, expect, it } from 'vitest';
import { makeRenderer, node, ok, sql } from './helpers.js';

const r = makeRenderer();
const DT = '{% set dt = modules.datetime.datetime(2024, 1, 31) %}';
const dt = (expr: string): string => sql(r, `${DT}{{ ${expr} }}`);

describe('modules.datetime', () => {
  it('datetime and date print and isoformat as Python does', () => {
    expect(dt('dt')).toBe('2024-01-31 00:00:00');
    expect(dt('dt.isoformat()')).toBe('2024-01-31T00:00:00');
    expect(sql(r, '{{ modules.datetime.datetime(2024, 1, 31, 12, 30).isoformat() }}')).toBe('2024-01-31T12:30:00');
    expect(sql(r, '{{ modules.datetime.date(2024, 2, 29) }} {{ modules.datetime.date(2024, 2, 29).isoformat() }}')).toBe('2024-02-29 2024-02-29');
    expect(dt('dt.year ~ "/" ~ dt.month ~ "/" ~ dt.day')).toBe('2024/1/31');
  });

  it('strftime directives', () => {
    expect(dt("dt.strftime('%Y-%m-%d %H:%M:%S')")).toBe('2024-01-31 00:00:00');
    expect(dt("dt.strftime('%j %A %a %B %b %y %U %W %w %u %V %G')")).toBe('031 Wednesday Wed January Jan 24 04 05 3 3 05 2024');
    expect(sql(r, "{{ modules.datetime.datetime(2024, 3, 5, 14, 7, 9).strftime('%I:%M %p|%d/%m|%e|%%') }}")).toBe('02:07 PM|05/03| 5|%');
  });

  it('timedelta arithmetic and printing', () => {
    expect(dt("(dt + modules.datetime.timedelta(days=1)).strftime('%Y-%m-%d')")).toBe('2024-02-01');
    expect(dt("(dt - modules.datetime.timedelta(weeks=1, hours=1)).isoformat()")).toBe('2024-01-23T23:00:00');
    expect(sql(r, '{{ modules.datetime.date(2024, 3, 1) - modules.datetime.timedelta(days=1) }}')).toBe('2024-02-29');
    expect(sql(r, '{{ (modules.datetime.date(2024, 3, 1) - modules.datetime.date(2024, 1, 1)).days }}')).toBe('60');
    expect(sql(r, '{{ modules.datetime.timedelta(days=1) }}|{{ modules.datetime.timedelta(hours=36) }}|{{ modules.datetime.timedelta(hours=-1) }}')).toBe(
      '1 day, 0:00:00|1 day, 12:00:00|-1 day, 23:00:00',
    );
    expect(sql(r, '{{ modules.datetime.timedelta(minutes=90).total_seconds() | int }} {{ modules.datetime.timedelta(days=2, seconds=5).seconds }}')).toBe('5400 5');
  });

  it('microseconds survive construction and arithmetic', () => {
    expect(sql(r, '{{ modules.datetime.datetime(2024, 1, 1) + modules.datetime.timedelta(microseconds=1500) }}')).toBe('2024-01-01 00:00:00.001500');
    expect(sql(r, '{{ modules.datetime.datetime(2024, 1, 1, 0, 0, 0, 250).microsecond }} {{ modules.datetime.timedelta(seconds=1.5) }}')).toBe('250 0:00:01.500000');
    expect(sql(r, "{{ modules.datetime.datetime.strptime('03:04:05.123456', '%H:%M:%S.%f').isoformat() }}")).toBe('1900-01-01T03:04:05.123456');
  });

  it('strptime with ISO and non-ISO formats', () => {
    expect(sql(r, "{{ modules.datetime.datetime.strptime('2024-01-02', '%Y-%m-%d') }}")).toBe('2024-01-02 00:00:00');
    expect(sql(r, "{{ modules.datetime.datetime.strptime('01/31/2024', '%m/%d/%Y') }}")).toBe('2024-01-31 00:00:00');
    expect(sql(r, "{{ modules.datetime.datetime.strptime('2024-01-02 03:04:05', '%Y-%m-%d %H:%M:%S') }}")).toBe('2024-01-02 03:04:05');
    expect(sql(r, "{{ modules.datetime.datetime.strptime('31 Jan 24', '%d %b %y').date() }}")).toBe('2024-01-31');
    expect(sql(r, "{{ modules.datetime.datetime.strptime('March 5, 2024 2PM', '%B %d, %Y %I%p') }}")).toBe('2024-03-05 14:00:00');
    expect(sql(r, "{{ modules.datetime.datetime.strptime('20240102', '%Y%m%d').strftime('%Y-%m-%d') }}")).toBe('2024-01-02');
  });

  it('strptime rejects input that does not match the format', () => {
    for (const bad of ["strptime('2024/01/02', '%Y-%m-%d')", "strptime('2024-01-02 x', '%Y-%m-%d')", "strptime('2024-02-30', '%Y-%m-%d')"]) {
      expect(r.render(node(), `{{ modules.datetime.datetime.${bad} }}`).ok).toBe(false);
    }
  });

  it('impossible dates are errors, not rolled over', () => {
    expect(r.render(node(), `${DT}{{ dt.replace(month=2) }}`).ok).toBe(false);
    expect(r.render(node(), '{{ modules.datetime.date(2024, 13, 1) }}').ok).toBe(false);
  });

  it('replace, weekday, isoweekday, date()', () => {
    expect(dt('dt.replace(day=1)')).toBe('2024-01-01 00:00:00');
    expect(dt('dt.replace(year=2023, month=2, day=28, hour=5)')).toBe('2023-02-28 05:00:00');
    expect(dt('dt.weekday()') + dt('dt.isoweekday()')).toBe('23');
    expect(dt('dt.date()')).toBe('2024-01-31');
  });

  it('time zones: astimezone(pytz.timezone(...)), tzinfo=pytz.utc, %z / %Z, strptime %z', () => {
    const NY = "{% set ny = modules.pytz.timezone('America/New_York') %}";
    expect(sql(r, `${NY}{{ modules.datetime.datetime(2024, 1, 15, 12).astimezone(ny) }}`)).toBe('2024-01-15 07:00:00-05:00');
    expect(sql(r, `${NY}{{ modules.datetime.datetime(2024, 7, 15, 12).astimezone(ny).strftime('%Y-%m-%d %H:%M %z %Z') }}`)).toBe('2024-07-15 08:00 -0400 EDT');
    expect(sql(r, "{{ modules.datetime.datetime(2024, 1, 1).astimezone(modules.pytz.timezone('Asia/Kolkata')).strftime('%H:%M %z') }}")).toBe('05:30 +0530');
    const UTC = '{% set u = modules.datetime.datetime(2024, 1, 15, 12, tzinfo=modules.pytz.utc) %}';
    expect(sql(r, `${UTC}{{ u }} {{ u.isoformat() }} {{ u.utcoffset() }} {{ u.replace(tzinfo=none) }} [{{ u.replace(tzinfo=none).strftime('%z%Z') }}]`)).toBe(
      '2024-01-15 12:00:00+00:00 2024-01-15T12:00:00+00:00 0:00:00 2024-01-15 12:00:00 []',
    );
    expect(sql(r, "{{ modules.datetime.datetime.strptime('Mon, 05 Feb 2024 10:11:12 +0100', '%a, %d %b %Y %H:%M:%S %z') }}")).toBe('2024-02-05 10:11:12+01:00');
    expect(sql(r, "{{ modules.datetime.datetime.strptime('10:00 +0100', '%H:%M %z') < modules.datetime.datetime.strptime('09:30 +0000', '%H:%M %z') }}")).toBe('True');
  });

  it('comparisons between datetimes, dates and timedeltas', () => {
    const D2 = '{% set d2 = modules.datetime.datetime(2024, 2, 1) %}';
    expect(sql(r, `${DT}${D2}{{ dt < d2 }} {{ dt > d2 }} {{ dt == d2 }} {{ dt != d2 }} {{ dt <= dt }} {{ dt == modules.datetime.datetime(2024, 1, 31) }}`)).toBe(
      'True False False True True True',
    );
    expect(sql(r, `${DT}${D2}{{ (d2 - dt) == modules.datetime.timedelta(days=1) }} {{ (d2 - dt) < modules.datetime.timedelta(hours=25) }}`)).toBe('True True');
    expect(sql(r, `${DT}${D2}{% if dt < d2 %}before{% endif %} {{ [d2, dt] | sort | first }} {{ [d2, dt] | max }}`)).toBe(
      'before 2024-01-31 00:00:00 2024-02-01 00:00:00',
    );
  });
});

describe('modules.re', () => {
  it('match anchors at the start; search anywhere', () => {
    expect(sql(r, "{{ modules.re.match('a(b)', 'abc').group(1) }} {{ modules.re.match('b', 'abc') }} {{ modules.re.match('b', 'abc') is none }}")).toBe(
      'b None True',
    );
    expect(sql(r, "{{ modules.re.search('\\d+', 'ab12cd').group() }} {{ modules.re.search('\\d+', 'ab12cd').group(0) }} {{ modules.re.search('z', 'abc') }}")).toBe(
      '12 12 None',
    );
  });

  it('group, groups, named groups, span', () => {
    const m = "{% set m = modules.re.match('(?P<user>\\w+)@(\\w+)', 'me@host.com') %}";
    expect(sql(r, `${m}{{ m.group('user') }} {{ m.group(2) }} {{ m.groups() | join(',') }} {{ m.groupdict() }} {{ m.start() }} {{ m.end() }}`)).toBe(
      "me host me,host {'user': 'me'} 0 7",
    );
    expect(sql(r, "{{ modules.re.match('(a)(x)?', 'a').groups() | list }} {{ modules.re.match('(a)(x)?', 'a').groups() }}")).toBe("['a', None] ('a', None)");
    expect(sql(r, "{{ modules.re.search('c', 'abc').span() }} {{ modules.re.match('(a)(b)', 'ab').group(1, 2) }} {{ modules.re.match('(a)', 'a')[1] }}")).toBe(
      "(2, 3) ('a', 'b') a",
    );
  });

  it('findall returns strings, or tuples of groups', () => {
    expect(sql(r, "{{ modules.re.findall('\\d', 'a1b2') }} {{ modules.re.findall('(\\w)=\\d', 'a=1,b=2') }}")).toBe("['1', '2'] ['a', 'b']");
    expect(sql(r, "{{ modules.re.findall('(\\w)=(\\d)?', 'a=1,b=') }}")).toBe("[('a', '1'), ('b', '')]");
    expect(sql(r, "{% for k, v in modules.re.findall('(\\w)=(\\d)', 'a=1,b=2') %}{{ k }}{{ v }};{% endfor %}")).toBe('a1;b2;');
  });

  it('sub with backreferences, count and a literal $', () => {
    expect(sql(r, "{{ modules.re.sub('\\s+', '_', 'a  b c') }} {{ modules.re.sub('(a)(b)', '\\\\2\\\\1', 'abab') }} {{ modules.re.sub('a', 'x', 'aaa', count=1) }}")).toBe(
      'a_b_c baba xaa',
    );
    expect(sql(r, "{{ modules.re.sub('a', '$', 'cat') }} {{ modules.re.sub('(?P<n>\\d)', '<\\g<n>>', 'a1') }} {{ modules.re.sub('x', 'y', 'XAX', flags=modules.re.IGNORECASE) }}")).toBe(
      'c$t a<1> yAy',
    );
  });

  it('split with maxsplit and capturing groups', () => {
    expect(sql(r, "{{ modules.re.split(',\\s*', 'a, b,c') }} {{ modules.re.split(',', 'a,b,c', 1) }} {{ modules.re.split('(,)', 'a,b') }}")).toBe(
      "['a', 'b', 'c'] ['a', 'b,c'] ['a', ',', 'b']",
    );
  });

  it('compile(), IGNORECASE and the I alias, flags as keyword', () => {
    expect(sql(r, "{% set p = modules.re.compile('^(\\w+)@(\\w+)$') %}{{ p.match('me@host').group(2) }} {{ p.match('me@host').groups() | join(',') }} {{ p.search('x y') }}")).toBe(
      'host me,host None',
    );
    expect(sql(r, "{{ modules.re.match('abc', 'ABC', modules.re.IGNORECASE) is not none }} {{ modules.re.compile('a', modules.re.I).search('xA').group() }}")).toBe(
      'True A',
    );
    expect(sql(r, "{{ modules.re.search('b', 'ABC', flags=modules.re.I).group() }} {{ modules.re.compile('\\d').findall('a1b2') }} {{ modules.re.compile('-').split('a-b') }}")).toBe(
      "B ['1', '2'] ['a', 'b']",
    );
  });

  it('fullmatch and escape', () => {
    expect(sql(r, "{{ modules.re.fullmatch('a|ab', 'ab') is not none }} {{ modules.re.fullmatch('a', 'ab') }} {{ modules.re.escape('a.b') }}")).toBe('True None a\\.b');
  });
});

describe('print, log, exceptions.warn, return', () => {
  it('print and log render nothing and record the message', () => {
    const res = ok(r, "a{{ log('hi') }}b{{ log('there', info=true) }}c{{ print('p') }}");
    expect(res.sql).toBe('abc');
    expect((res.logs ?? []).map((l) => l.message)).toEqual(['hi', 'there', 'p']);
  });

  it('exceptions.warn renders nothing and records a warning', () => {
    const res = ok(r, "x{% do exceptions.warn('careful') %}{{ exceptions.warn('twice') }}y");
    expect(res.sql).toBe('xy');
    expect((res.warnings ?? []).map((w) => w.message)).toEqual(['careful', 'twice']);
  });

  it('return() hands back a list or dict value, not its string', () => {
    const macros = "{% macro l() %}ignored{{ return([1, 2]) }}{% endmacro %}{% macro d() %}{% do return({'a': 1}) %}{% endmacro %}";
    expect(sql(r, `${macros}{{ l() | length }} {{ l()[1] }} {{ d().a }} {{ d() is mapping }} {{ l() is string }}`)).toBe('2 2 1 True False');
    expect(sql(r, `${macros}{% set x = l() %}{% do x.append(3) %}{{ x }} {{ d() }}`)).toBe("[1, 2, 3] {'a': 1}");
  });
});

