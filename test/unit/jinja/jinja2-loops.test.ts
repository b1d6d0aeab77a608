/**
 * Golden tests: `{% for %}` and the globals most often iterated (range, zip, dict, namespace,
 * set). Expected strings are what Jinja2 (2.11–3.x) renders for the same template.
 */
import { describe, expect, it } from 'vitest';
import { makeRenderer, sql } from './helpers.js';

const r = makeRenderer();

describe('loop variables', () => {
  it('index, index0, revindex, revindex0, first, last, length', () => {
    const src =
      "{% for x in ['a', 'b', 'c'] %}{{ x }}:{{ loop.index }},{{ loop.index0 }},{{ loop.revindex }},{{ loop.revindex0 }}," +
      '{{ loop.first }},{{ loop.last }},{{ loop.length }};{% endfor %}';
    expect(sql(r, src)).toBe('a:1,0,3,2,True,False,3;b:2,1,2,1,False,False,3;c:3,2,1,0,False,True,3;');
  });

  it('previtem and nextitem are undefined (print empty) at the ends', () => {
    expect(sql(r, '{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}')).toBe('-2;1-3;2-;');
    expect(sql(r, '{% for x in [1, 2] %}{{ loop.previtem is defined }}{% endfor %}')).toBe('FalseTrue');
  });

  it('cycle alternates its arguments', () => {
    expect(sql(r, "{% for x in range(5) %}{{ loop.cycle('a', 'b') }}{% endfor %}")).toBe('ababa');
  });

  it('depth is 1 in every non-recursive loop, nested or not', () => {
    expect(sql(r, '{% for x in [1] %}{{ loop.depth }}{{ loop.depth0 }}{% for y in [1] %}{{ loop.depth }}{% endfor %}{% endfor %}')).toBe('101');
  });

  it('an inner loop shadows the outer loop variable; the outer one is back after it', () => {
    expect(sql(r, '{% for a in [1, 2] %}{% for b in [1, 2, 3] %}{% endfor %}{{ loop.index }}/{{ loop.length }};{% endfor %}')).toBe('1/2;2/2;');
  });
});

describe('loop control', () => {
  it('break stops the loop', () => {
    expect(sql(r, '{% for x in range(10) %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}')).toBe('012');
  });

  it('continue skips the rest of the body', () => {
    expect(sql(r, '{% for x in range(6) %}{% if x is odd %}{% continue %}{% endif %}{{ x }}{% endfor %}')).toBe('024');
  });

  it('filtered loops count only the kept items', () => {
    const src = '{% for x in range(10) if x is even %}{{ loop.index }}:{{ x }}/{{ loop.length }}{% if not loop.last %},{% endif %}{% endfor %}';
    expect(sql(r, src)).toBe('1:0/5,2:2/5,3:4/5,4:6/5,5:8/5');
  });

  it('a filtered loop that keeps nothing runs its else block', () => {
    expect(sql(r, '{% for x in [1, 3] if x is even %}{{ x }}{% else %}none{% endfor %}')).toBe('none');
  });

  it('else runs for an empty iterable only', () => {
    expect(sql(r, '{% for x in [] %}{{ x }}{% else %}empty{% endfor %}')).toBe('empty');
    expect(sql(r, '{% for x in [1] %}{{ x }}{% else %}empty{% endfor %}')).toBe('1');
  });
});

describe('iterating dicts', () => {
  it('k, v over d.items()', () => {
    expect(sql(r, "{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}")).toBe('a=1;b=2;');
  });

  it('a dict iterates its keys', () => {
    expect(sql(r, "{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}")).toBe('ab');
  });

  it('k, v over the items filter', () => {
    expect(sql(r, "{% for k, v in {'x': 1} | items %}{{ k }}{{ v }}{% endfor %}")).toBe('x1');
  });

  it('unpacking a list of pairs', () => {
    expect(sql(r, "{% for a, b in [[1, 'x'], [2, 'y']] %}{{ a }}{{ b }}{% endfor %}")).toBe('1x2y');
  });
});

describe('globals', () => {
  it('range with one, two and three arguments', () => {
    expect(sql(r, '{{ range(3) | list }}')).toBe('[0, 1, 2]');
    expect(sql(r, '{% for i in range(1, 10, 3) %}{{ i }},{% endfor %}')).toBe('1,4,7,');
    expect(sql(r, '{{ range(5, 0, -2) | list }}')).toBe('[5, 3, 1]');
    expect(sql(r, '{{ range(0) | list }}')).toBe('[]');
  });

  it('zip pairs items up to the shortest input', () => {
    expect(sql(r, "{% for a, b in zip([1, 2, 3], ['x', 'y']) %}{{ a }}{{ b }};{% endfor %}")).toBe('1x;2y;');
  });

  it('dict(a=1)', () => {
    expect(sql(r, '{{ dict(a=1, b=2) }}')).toBe("{'a': 1, 'b': 2}");
    expect(sql(r, '{{ dict(a=1).a }}')).toBe('1');
  });

  it('namespace attributes set inside a loop are visible after it', () => {
    const src = '{% set ns = namespace(total=0, found=false) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}' +
      '{% if i == 2 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.total }} {{ ns.found }}';
    expect(sql(r, src)).toBe('6 True');
  });

  it('set() removes duplicates and supports in / length', () => {
    expect(sql(r, '{{ set([1, 1, 2]) | length }}')).toBe('2');
    expect(sql(r, '{{ 2 in set([1, 2]) }} {{ 3 in set([1, 2]) }}')).toBe('True False');
    expect(sql(r, "{{ set(['b', 'a', 'b']) | sort | join(',') }}")).toBe('a,b');
  });
});
