import { beforeAll, describe, expect, it } from 'vitest';
import { initSqlParser, loadSemanticLayer } from '../../../src/semantic/index.js';

const refs: Record<string, { relation: string; uniqueId: string }> = {
  fact_sales: { relation: '"db"."gold"."fact_sales"', uniqueId: 'model.shop.fact_sales' },
  dim_customer: { relation: '"db"."gold"."dim_customer"', uniqueId: 'model.shop.dim_customer' },
};
const load = (text: string) =>
  loadSemanticLayer([{ file: 'semantic/s.yml', text }], { resolveRef: (n) => refs[n], refNames: Object.keys(refs) });

const BASE = `semantic_models:
  - name: sales
    model: ref('fact_sales')
    joins:
      - { to: customer, relationship: many_to_one, on: "{sales}.customer_key = {customer}.customer_key" }
    dimensions:
      - { name: sold_at, type: time }
      - { name: channel }
    measures:
      - { name: revenue, agg: sum, expr: amount }
  - name: customer
    model: ref('dim_customer')
    dimensions:
      - { name: region }
metrics:
  - { name: revenue, type: simple, measure: sales.revenue }
`;

/** The one error of `text`: code, line and message. */
function only(text: string): { code: string; line: number | undefined; message: string; hint: string | undefined } {
  const r = load(text);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  expect(errors, JSON.stringify(errors, null, 1)).toHaveLength(1);
  expect(r.layer).toBeUndefined();
  const e = errors[0]!;
  expect(e.file).toBe('semantic/s.yml');
  return { code: e.code, line: e.line, message: e.message, hint: e.hint };
}

describe('semantic layer validation', () => {
  beforeAll(async () => {
    await initSqlParser();
  });

  it('accepts a valid layer and records lineage to models', () => {
    const r = load(BASE);
    expect(r.diagnostics).toEqual([]);
    expect(r.layer!.models['sales']!.dependsOn).toEqual(['model.shop.fact_sales']);
    expect(r.layer!.models['sales']!.dimensions['channel']!.sql).toBe('{self}.channel');
    expect(r.layer!.paths['sales']).toEqual({ customer: ['customer'] });
  });

  it('missing model in ref() (did you mean)', () => {
    const e = only(BASE.replace("ref('fact_sales')", "ref('fact_sale')"));
    expect(e).toMatchObject({ code: 'ref-not-found', line: 3, hint: "did you mean 'fact_sales'?" });
  });

  it('unknown join target', () => {
    const e = only(BASE.replace('{ to: customer,', '{ to: custmer,'));
    expect(e).toMatchObject({ code: 'unknown-member', line: 5, hint: "did you mean 'customer'?" });
  });

  it('unknown measure in a metric', () => {
    const e = only(BASE.replace('measure: sales.revenue }', 'measure: sales.revenu }'));
    expect(e).toMatchObject({ code: 'unknown-member', line: 16, hint: "did you mean 'revenue'?" });
  });

  it('unknown metric in a derived expression', () => {
    const e = only(`${BASE}  - { name: per_order, type: derived, expr: "revenu / 2" }\n`);
    expect(e).toMatchObject({ code: 'unknown-member', line: 17, hint: "did you mean 'revenue'?" });
    expect(e.message).toContain("'revenu' in 'revenu / 2' is not a metric");
  });

  it('bad SQL expression, with the parser message', () => {
    const e = only(BASE.replace('expr: amount }', 'expr: "amount +" }'));
    expect(e.code).toBe('expression-invalid');
    expect(e.line).toBe(10);
    expect(e.message).toContain('syntax error at end of input');
  });

  it('unknown model token in a filter', () => {
    const e = only(`${BASE}  - { name: r2, type: simple, measure: sales.revenue, filter: "{custmer}.region = 'EMEA'" }\n`);
    expect(e).toMatchObject({ code: 'unknown-member', line: 17, hint: "did you mean 'customer'?" });
  });

  it('bad shape: unknown key and wrong enum', () => {
    const r = load(BASE.replace('agg: sum', 'agg: total'));
    expect(r.diagnostics[0]).toMatchObject({ code: 'semantic-invalid', line: 10 });
    const r2 = load(BASE.replace('    primary_key', '    primary_key').replace("model: ref('fact_sales')", "model: ref('fact_sales')\n    colour: red"));
    expect(r2.diagnostics[0]!.code).toBe('semantic-invalid');
    expect(r2.diagnostics[0]!.message).toContain('colour');
  });

  it('ambiguous join paths list the candidates', () => {
    const text = `semantic_models:
  - name: sales
    table: s.sales
    joins:
      - { to: customer, relationship: many_to_one, on: "{sales}.c = {customer}.c" }
      - { to: store, relationship: many_to_one, on: "{sales}.s = {store}.s" }
  - name: customer
    table: s.customer
    joins:
      - { to: region, relationship: many_to_one, on: "{customer}.r = {region}.r" }
  - name: store
    table: s.store
    joins:
      - { to: region, relationship: many_to_one, on: "{store}.r = {region}.r" }
  - name: region
    table: s.region
    dimensions: [{ name: name }]
`;
    const e = only(text);
    expect(e.code).toBe('ambiguous-join');
    expect(e.line).toBe(2);
    expect(e.message).toContain('sales -> customer -> region; sales -> store -> region');
  });

  it('metric cycles', () => {
    const e = only(`${BASE}  - { name: a, type: derived, expr: "b + 1" }\n  - { name: b, type: ratio, numerator: a, denominator: revenue }\n`);
    expect(e.code).toBe('semantic-invalid');
    expect(e.message).toMatch(/cycle: (a -> b -> a|b -> a -> b)/);
  });

  it('hierarchy levels must be dimensions (with valid granularities)', () => {
    const e = only(`${BASE}hierarchies:\n  - { name: cal, levels: [sales.sold_at.year, sales.sold_at.fortnight] }\n`);
    expect(e).toMatchObject({ code: 'unknown-member', line: 18 });
    expect(e.message).toContain("no granularity 'fortnight'");
  });

  it('access: hidden members must exist', () => {
    const e = only(`${BASE}access:\n  roles:\n    sales:\n      row_filter: "{customer}.region = {{ user.region }}"\n      hide: [customer.emial]\n`);
    expect(e).toMatchObject({ code: 'unknown-member', line: 21 });
  });

  it('reports every error of a file together', () => {
    const r = load(BASE.replace('{ to: customer,', '{ to: custmer,').replace('measure: sales.revenue }', 'measure: sales.revenu }'));
    expect(r.diagnostics.map((d) => d.code).sort()).toEqual(['unknown-member', 'unknown-member']);
  });

  it('YAML syntax errors are located', () => {
    const r = load('semantic_models:\n  - name: [unclosed\n');
    expect(r.diagnostics[0]).toMatchObject({ code: 'yaml-syntax', file: 'semantic/s.yml' });
  });
});
