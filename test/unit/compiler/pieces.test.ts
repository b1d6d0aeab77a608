import { describe, expect, it } from 'vitest';
import { stableJson } from '../../../src/compiler/node-config.js';
import { injectCtes } from '../../../src/compiler/resolve-relations.js';
import { genericTestNames } from '../../../src/compiler/test-names.js';

describe('stableJson', () => {
  it('sorts keys at every level and matches JSON.stringify otherwise', () => {
    expect(stableJson({ b: 1, a: [true, null, { d: 'x', c: undefined }] })).toBe('{"a":[true,null,{"d":"x"}],"b":1}');
    const v = { s: 'q"\n', n: 1.5, neg: -0, arr: [undefined, () => 1], nested: { z: {}, y: [] } };
    expect(JSON.parse(stableJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
    expect(stableJson(new Date(0))).toBe(JSON.stringify(new Date(0)));
  });
});

describe('injectCtes (dbt-core token insertion)', () => {
  const a = { name: 'a', sql: 'select 1' };
  const b = { name: 'b', sql: 'select 2' };
  it('adds a with clause before the first token, keeping leading whitespace', () => {
    expect(injectCtes('\n\nselect * from __dbt__cte__a', [a])).toBe('\n\nwith __dbt__cte__a as (\nselect 1\n)select * from __dbt__cte__a');
    expect(injectCtes('-- c\nselect 1', [a, b])).toBe('with __dbt__cte__a as (\nselect 1\n),  __dbt__cte__b as (\nselect 2\n)-- c\nselect 1');
  });
  it('merges into an existing (recursive) with clause', () => {
    expect(injectCtes('WITH x as (select 1) select 1', [a])).toBe('WITH __dbt__cte__a as (\nselect 1\n), x as (select 1) select 1');
    expect(injectCtes('with recursive r as (select 1) select 1', [a])).toBe('with recursive __dbt__cte__a as (\nselect 1\n), r as (select 1) select 1');
    expect(injectCtes('select 1', [])).toBe('select 1');
  });
});

describe('genericTestNames', () => {
  it('uses the full name when under 64 characters', () => {
    expect(genericTestNames('relationships', null, 'orders', { column_name: 'customer_id', to: "ref('customers')", field: 'id' })).toEqual({
      full: 'relationships_orders_customer_id__id__ref_customers_',
      short: 'relationships_orders_customer_id__id__ref_customers_',
    });
  });
  it('long names: full name kept, short = first 30 chars of identifier + md5 of full', () => {
    const r = genericTestNames('accepted_values', 'dbt_utils', 'a_rather_long_model_name', { column_name: 'status', values: ['one', 'two', 'three'] });
    expect(r.full).toBe('dbt_utils_accepted_values_a_rather_long_model_name_status__one__two__three');
    expect(r.short).toMatch(/^dbt_utils_accepted_values_a_ra_[0-9a-f]{32}$/);
  });
});

describe('buildProjectGraph order', () => {
  it('is topological by generation, ties by id, independent of insertion order; cycles are diagnostics', async () => {
    const { buildProjectGraph } = await import('../../../src/graph/index.js');
    const node = (id: string, deps: string[]) => ({
      unique_id: id, resource_type: 'model', name: id.split('.').pop(), package_name: 'p', original_file_path: `models/${id}.sql`,
      fqn: [], tags: [], config: {}, depends_on: { nodes: deps, macros: [] }, loc: { line: 1, col: 1 },
    });
    const mk = (ns: ReturnType<typeof node>[]) =>
      ({ nodes: Object.fromEntries(ns.map((n) => [n.unique_id, n])), sources: {} }) as unknown as Parameters<typeof buildProjectGraph>[0];
    const ns = [node('m.d', ['m.c', 'm.a']), node('m.c', ['m.b']), node('m.b', []), node('m.a', [])];
    expect(buildProjectGraph(mk(ns)).graph?.order).toEqual(['m.a', 'm.b', 'm.c', 'm.d']);
    expect(buildProjectGraph(mk([...ns].reverse())).graph?.order).toEqual(['m.a', 'm.b', 'm.c', 'm.d']);
    const cyc = buildProjectGraph(mk([node('m.x', ['m.y']), node('m.y', ['m.x']), node('m.z', [])]));
    expect(cyc.graph).toBeUndefined();
    expect(cyc.diagnostics.map((d) => d.code)).toEqual(['cycle']);
  });
});
