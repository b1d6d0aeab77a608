import { describe, expect, it } from 'vitest';
import { refPlaceholder, sourcePlaceholder } from '../../../src/compiler/jinja/index.js';
import { makeRenderer, node, ok, sql } from './helpers.js';

describe('ref / source / this', () => {
  const r = makeRenderer({
    relationFor: (kind, a, b) =>
      kind === 'ref' ? { database: 'wh', schema: 'marts', identifier: `${a}_tbl` } : { database: 'wh', schema: a, identifier: `raw_${b ?? ''}` },
  });

  it('renders placeholders and records refs and sources', () => {
    const res = ok(r, "select * from {{ ref('stg_orders') }} join {{ ref('other_pkg', 'dim') }} join {{ source('shop', 'payments') }}");
    expect(res.sql).toBe(
      `select * from ${refPlaceholder('stg_orders')} join ${refPlaceholder('dim', 'other_pkg')} join ${sourcePlaceholder('shop', 'payments')}`,
    );
    expect(res.refs).toEqual([
      { name: 'stg_orders', package: null },
      { name: 'dim', package: 'other_pkg' },
    ]);
    expect(res.sources).toEqual([{ source: 'shop', table: 'payments' }]);
  });

  it('records a model version from v= / version= and deduplicates refs', () => {
    const res = ok(r, "{{ ref('a', v=2) }} {{ ref('a', version=2) }} {{ ref('a') }} {{ ref('a') }}");
    expect(sql(r, "{{ ref('a', v=2) }}")).toBe('⟨ref::a.v2⟩');
    expect(sql(r, "{{ ref('a', version='2') }}")).toBe('⟨ref::a.v2⟩');
    expect(res.refs).toEqual([
      { name: 'a.v2', package: null },
      { name: 'a', package: null },
    ]);
  });

  it('exposes relation attributes from relationFor', () => {
    expect(sql(r, "{{ ref('x').database }}.{{ ref('x').schema }}.{{ ref('x').identifier }} {{ ref('x').name }} {{ ref('x').table }}")).toBe(
      'wh.marts.x_tbl x_tbl x_tbl',
    );
    expect(sql(r, "{{ source('s', 't').schema }}.{{ source('s', 't').identifier }}")).toBe('s.raw_t');
  });

  it('falls back to target defaults without relationFor', () => {
    const plain = makeRenderer();
    expect(sql(plain, "{{ ref('x').schema }}.{{ ref('x').identifier }} {{ ref('x').database }}")).toBe('analytics.x warehouse');
  });

  it('this is the node placeholder with node attributes', () => {
    const plain = makeRenderer();
    expect(sql(plain, '{{ this }} {{ this.schema }}.{{ this.identifier }}', node({ name: 'fct', alias: 'fct_alias' }))).toBe(
      // qualified by the node's package, so a package's model named like a root model is its own
      '⟨ref:shop:fct⟩ analytics.fct_alias',
    );
  });

  it('render/include/quote keep the placeholder; incorporate with a new identifier makes a literal', () => {
    const plain = makeRenderer();
    expect(sql(plain, "{{ ref('a').render() }} {{ ref('a').include(database=false) }} {{ ref('a').quote(identifier=true) }}")).toBe(
      '⟨ref::a⟩ ⟨ref::a⟩ ⟨ref::a⟩',
    );
    expect(sql(plain, "{{ this.incorporate(path={'identifier': 'orders__tmp'}) }} {{ this.incorporate(type='table').is_table }}")).toBe(
      '"warehouse"."analytics"."orders__tmp" True',
    );
  });

  it('ref with a non-string argument is a render error', () => {
    const out = makeRenderer().render(node(), '{{ ref(1) }}');
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.diagnostics[0]).toMatchObject({ code: 'render-error', file: 'models/orders.sql', line: 1 });
  });
});

describe('config', () => {
  const r = makeRenderer();

  it('call form renders empty and captures kwargs in order', () => {
    const res = ok(r, "{{ config(materialized='table', tags=['a']) }}\n{{ config(tags=['b'], unique_key='id') }}select 1");
    expect(res.sql).toBe('\nselect 1');
    expect(res.config).toEqual({ materialized: 'table', tags: ['b'], unique_key: 'id' });
  });

  it('dict form', () => {
    expect(ok(r, "{{ config({'materialized': 'view', 'meta': {'owner': 'x'} }) }}").config).toEqual({
      materialized: 'view',
      meta: { owner: 'x' },
    });
  });

  it('config.get reads file config then node config, with defaults', () => {
    const n = node({ config: { materialized: 'view', schema: 'gold' } });
    expect(
      sql(r, "{{ config(materialized='table') }}{{ config.get('materialized') }} {{ config.get('schema') }} {{ config.get('missing', 'dflt') }} {{ config.get('missing') }}", n),
    ).toBe('table gold dflt None');
  });

  it('config.require returns the value or fails with a diagnostic', () => {
    expect(sql(r, "{{ config(unique_key='id') }}{{ config.require('unique_key') }}")).toBe('id');
    const out = r.render(node(), "select\n{{ config.require('unique_key') }}");
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.diagnostics[0]).toMatchObject({ code: 'config-invalid', file: 'models/orders.sql', line: 2, col: 4 });
  });

  it('is_incremental is true only for existing incremental relations without full refresh', () => {
    const exists = () => true;
    const inc = node({ config: { materialized: 'incremental' } });
    const src = '{% if is_incremental() %}inc{% else %}full{% endif %}';
    expect(sql(makeRenderer({ relationExists: exists }), src, inc)).toBe('inc');
    expect(sql(makeRenderer({ relationExists: () => false }), src, inc)).toBe('full');
    expect(sql(makeRenderer({ relationExists: exists, flags: { fullRefresh: true } }), src, inc)).toBe('full');
    expect(sql(makeRenderer({ relationExists: exists }), src, node({ config: { materialized: 'table' } }))).toBe('full');
    expect(sql(makeRenderer({ relationExists: exists }), "{{ config(materialized='incremental') }}" + src)).toBe('inc');
  });
});
