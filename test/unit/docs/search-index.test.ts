import { describe, expect, it } from 'vitest';
import { buildSearchIndex, FIELD, searchDocs, tokenize, type SearchDocument } from '../../../src/docs/search-index.js';

const docs: SearchDocument[] = [
  { name: 'stg_orders', columns: ['order_id', 'amount'], text: ['Orders as loaded.'], sql: 'select order_id, amount from raw_orders' },
  { name: 'dim_customers', columns: ['customer_key', 'region'], text: ['One row per customer, gold accounts flagged.', 'sales-team'], sql: 'select id as customer_key, region from raw' },
  { name: 'fct_revenue', columns: ['revenue'], text: ['Revenue by region.'], sql: "select sum(amount) as revenue from {{ ref('stg_orders') }} where tier = 'gold'" },
  { name: 'region_map', columns: ['code'], text: [], sql: 'select 1 as code' },
];
const names = docs.map((d) => d.name);
const index = buildSearchIndex(docs);

describe('docs full-text search', () => {
  it('tokenizes identifiers into the whole and their parts, lower-case, without one-letter tokens', () => {
    expect(tokenize('fct_Orders.customer_key a')).toEqual(['fct_orders', 'fct', 'orders', 'customer_key', 'customer', 'key']);
    expect(tokenize('gold-tier accounts')).toEqual(['gold', 'tier', 'accounts']);
  });

  it('keeps the best field per token and node, postings ascending and delta-encoded', () => {
    const postings = (t: string): number[] => {
      let v = 0;
      return index.postings[index.tokens.indexOf(t)]!.map((d) => (v += d));
    };
    expect([...index.tokens]).toEqual([...index.tokens].sort());
    // "region": a column of dim_customers, description of fct_revenue, the name of region_map.
    expect(postings('region')).toEqual([1 * 4 + FIELD.column, 2 * 4 + FIELD.text, 3 * 4 + FIELD.name]);
    // SQL keywords and numbers are not indexed.
    expect(index.tokens).not.toContain('select');
    expect(index.tokens).not.toContain('1');
  });

  it('ranks name > column > description > SQL', () => {
    const hits = searchDocs(index, names, 'region');
    expect(hits.map((h) => [names[h.node], h.field])).toEqual([
      ['region_map', FIELD.name],
      ['dim_customers', FIELD.column],
      ['fct_revenue', FIELD.text],
    ]);
    const gold = searchDocs(index, names, 'gold');
    expect(gold.map((h) => [names[h.node], h.field])).toEqual([
      ['dim_customers', FIELD.text],
      ['fct_revenue', FIELD.sql],
    ]);
  });

  it('matches prefixes (below exact matches) and needs every word', () => {
    expect(searchDocs(index, names, 'custom').map((h) => names[h.node])).toEqual(['dim_customers']);
    const hit = searchDocs(index, names, 'customer_k')[0]!;
    expect([names[hit.node], hit.field, hit.token]).toEqual(['dim_customers', FIELD.column, 'customer_key']);
    expect(searchDocs(index, names, 'region gold').map((h) => names[h.node])).toEqual(['dim_customers', 'fct_revenue']);
    expect(searchDocs(index, names, 'region nothinglikethis')).toEqual([]);
    // An owner or tag in the text field is found.
    expect(searchDocs(index, names, 'sales team').map((h) => names[h.node])).toEqual(['dim_customers']);
  });

  it('searches names only while the index is not loaded', () => {
    expect(searchDocs(null, names, 'orders').map((h) => names[h.node])).toEqual(['stg_orders']);
    expect(searchDocs(null, names, 'gold')).toEqual([]);
  });

  it('finds every column match in a 10,000-document index', () => {
    const many: SearchDocument[] = Array.from({ length: 10_000 }, (_, i) => ({
      name: `m_${i}`,
      columns: i % 7 === 0 ? ['id', 'customer_key'] : ['id'],
      text: [i % 50 === 0 ? 'gold-tier accounts' : 'plain'],
      sql: `select id from m_${i - 1}`,
    }));
    const big = buildSearchIndex(many);
    const hits = searchDocs(big, many.map((d) => d.name), 'customer_key', 20000);
    expect(hits.length).toBe(Math.ceil(10_000 / 7));
    expect(hits.every((h) => h.node % 7 === 0 && h.field === FIELD.column)).toBe(true);
  });
});
