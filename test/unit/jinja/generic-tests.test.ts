import { describe, expect, it } from 'vitest';
import type { RenderResult } from '../../../src/compiler/jinja/index.js';
import { file, makeRenderer, node, show } from './helpers.js';

const testNode = node({ name: 'unique_orders_id', resource_type: 'test', unique_id: 'test.shop.unique_orders_id', original_file_path: 'models/schema.yml' });

function gen(r: ReturnType<typeof makeRenderer>, name: string, kwargs: Record<string, unknown>, model: Parameters<ReturnType<typeof makeRenderer>['renderGenericTest']>[3] = { kind: 'ref', name: 'orders' }): RenderResult {
  const out = r.renderGenericTest(testNode, name, kwargs, model);
  if (!out.ok) throw new Error(JSON.stringify(out.diagnostics));
  return out.result;
}

describe('renderGenericTest', () => {
  const r = makeRenderer({
    macroFiles: [file('macros/tests.sql', "{% test positive(model, column_name, allow_zero=false) %}select * from {{ model }} where {{ column_name }} <{{ '' if allow_zero else '=' }} 0{% endtest %}")],
  });

  it('unique', () => {
    const res = gen(r, 'unique', { column_name: 'id' });
    expect(show(res.sql)).toBe(`select
    id as unique_field,
    count(*) as n_records

from ⟨ref::orders⟩
where id is not null
group by id
having count(*) > 1`);
    expect(res.refs).toEqual([{ name: 'orders', package: null }]);
    expect([...res.macros].sort()).toEqual(['dbt.default__test_unique', 'dbt.test_unique']);
  });

  it('not_null on a source', () => {
    const res = gen(r, 'not_null', { column_name: 'id' }, { kind: 'source', source: 'raw', table: 'payments' });
    expect(show(res.sql)).toBe('select id\nfrom ⟨src:raw:payments⟩\nwhere id is null');
    expect(res.sources).toEqual([{ source: 'raw', table: 'payments' }]);
  });

  it('accepted_values quotes by default and not with quote=false', () => {
    expect(show(gen(r, 'accepted_values', { column_name: 'status', values: ['a', "it's"] }).sql)).toBe(`with all_values as (

    select
        status as value_field,
        count(*) as n_records

    from ⟨ref::orders⟩
    group by status

)

select *
from all_values
where value_field not in (
    'a', 'it''s'
)`);
    expect(show(gen(r, 'accepted_values', { column_name: 'n', values: [1, 2], quote: false }).sql)).toContain('where value_field not in (\n    1, 2\n)');
  });

  it('relationships evaluates "ref(...)" and "{{ ref(...) }}" strings and records the ref', () => {
    for (const to of ["ref('customers')", "{{ ref('customers') }}"]) {
      const res = gen(r, 'relationships', { column_name: 'customer_id', to, field: 'id' });
      expect(show(res.sql)).toBe(`with child as (
    select customer_id as from_field
    from ⟨ref::orders⟩
    where customer_id is not null
),

parent as (
    select id as to_field
    from ⟨ref::customers⟩
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null`);
      expect(res.refs).toEqual([{ name: 'customers', package: null }, { name: 'orders', package: null }]);
    }
  });

  it('custom {% test %} blocks with kwargs, also namespaced', () => {
    expect(show(gen(r, 'positive', { column_name: 'amount' }).sql)).toBe('select * from ⟨ref::orders⟩ where amount <= 0');
    const res = gen(r, 'shop.positive', { column_name: 'amount', allow_zero: true });
    expect(show(res.sql)).toBe('select * from ⟨ref::orders⟩ where amount < 0');
    expect(res.macros).toEqual(['shop.test_positive']);
  });

  it('unknown test is undefined-macro', () => {
    const out = r.renderGenericTest(testNode, 'postive', {}, { kind: 'ref', name: 'orders' });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.diagnostics[0]).toMatchObject({ code: 'undefined-macro', file: 'models/schema.yml' });
  });
});
