// The render source map: compiled SQL offsets back to the template's line:col.
import { describe, expect, it } from 'vitest';
import { applyEdits, insertionEdit, locate } from '../../../src/compiler/source-map.js';
import { resolvePlaceholders, injectCtes } from '../../../src/compiler/resolve-relations.js';
import { file, makeRenderer, node, ok } from '../jinja/helpers.js';

/** line:col of the first occurrence of `needle` in `text`. */
function posOf(text: string, needle: string, nth = 0): { line: number; col: number } {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, i);
  return { line: before.split('\n').length, col: i - before.lastIndexOf('\n') };
}

function offsetOf(text: string, needle: string, nth = 0): number {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  if (i < 0) throw new Error(`${needle} not in text`);
  return i;
}

describe('render source map', () => {
  const macros = [file('macros/m.sql', "{% macro cols() %}\n  id,\n  amount\n{% endmacro %}")];
  const r = makeRenderer({ macroFiles: macros });

  it('maps plain SQL lines exactly, after Jinja blocks, loops and whitespace control', () => {
    const tpl = [
      "{{ config(materialized='table') }}",
      '{% set pay = ["card", "cash"] %}',
      'select',
      '  {%- for p in pay %}',
      "  sum(case when method = '{{ p }}' then 1 end) as {{ p }}_n,",
      '  {%- endfor %}',
      '  bogus_col + 1 as x',
      "from {{ ref('stg') }} where status = 'ok'",
    ].join('\n');
    const res = ok(r, tpl);
    const map = res.sourceMap!;
    expect(map).toBeDefined();
    expect(locate(map, res.sql, offsetOf(res.sql, 'bogus_col'))).toEqual(posOf(tpl, 'bogus_col'));
    expect(locate(map, res.sql, offsetOf(res.sql, 'status'))).toEqual(posOf(tpl, 'status'));
    // loop body text: each iteration maps to the same template line
    expect(locate(map, res.sql, offsetOf(res.sql, 'sum(', 1))).toEqual(posOf(tpl, 'sum('));
    // text printed by an expression maps to its `{{`
    expect(locate(map, res.sql, offsetOf(res.sql, 'cash_n') + 1)).toEqual(posOf(tpl, '{{ p }}_n'));
    expect(locate(map, res.sql, offsetOf(res.sql, '\u0000ref'))).toEqual(posOf(tpl, "{{ ref('stg') }}"));
  });

  it('maps macro output to the line of the macro call; {% set %} blocks do not disturb it', () => {
    const tpl = "{% set x %}\nignored\n{% endset %}\nselect\n  {{ cols() }}\n  , oops\nfrom t";
    const res = ok(r, tpl);
    expect(locate(res.sourceMap!, res.sql, offsetOf(res.sql, 'amount'))).toEqual(posOf(tpl, '{{ cols() }}'));
    expect(locate(res.sourceMap!, res.sql, offsetOf(res.sql, 'oops'))).toEqual(posOf(tpl, 'oops'));
  });

  it('applies the line offset of a snapshot body', () => {
    const res = ok(r, '\nselect 1,\n  x', node({ lineOffset: 5 }));
    expect(locate(res.sourceMap!, res.sql, offsetOf(res.sql, 'x'))).toEqual({ line: 7, col: 3 });
  });

  it('follows placeholder resolution and injected ephemeral CTEs', () => {
    const tpl = "select a\nfrom {{ ref('stg') }} s\njoin {{ ref('eph') }} e on true\nwhere zzz > 1";
    const res = ok(r, tpl);
    const edits: { at: number; removed: number; inserted: number }[] = [];
    const resolved = resolvePlaceholders(
      res.sql,
      (_k, _a, b) => (b === 'eph' ? { kind: 'ephemeral', name: 'eph', id: 'model.shop.eph' } : { kind: 'relation', sql: '"warehouse"."analytics"."stg"' }),
      undefined,
      (at, removed, inserted) => edits.push({ at, removed, inserted }),
    );
    const map1 = applyEdits(res.sourceMap!, res.sql, edits);
    expect(locate(map1, resolved, offsetOf(resolved, 'zzz'))).toEqual(posOf(tpl, 'zzz'));
    expect(locate(map1, resolved, offsetOf(resolved, '"analytics"'))).toEqual(posOf(tpl, "{{ ref('stg') }}"));
    const compiled = injectCtes(resolved, [{ name: 'eph', sql: 'select 1 as q' }]);
    const ins = insertionEdit(resolved, compiled)!;
    const map2 = applyEdits(map1, resolved, [ins], true);
    expect(locate(map2, compiled, offsetOf(compiled, 'zzz'))).toEqual(posOf(tpl, 'zzz'));
    expect(locate(map2, compiled, offsetOf(compiled, 'a\n'))).toEqual(posOf(tpl, 'a\n'));
    // the injected CTE is no line of this file
    expect(locate(map2, compiled, offsetOf(compiled, 'q'))).toBeUndefined();
  });
});
