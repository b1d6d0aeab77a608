/**
 * Full-text search of the docs site: an inverted index built by `docs generate` (written as
 * `data/search.js`) and the ranked lookup the browser runs on each keystroke. Shared by Node and
 * the browser bundle, so it imports nothing.
 *
 * Fields, best first: 0 name, 1 column name, 2 description / column description / tag / owner /
 * path, 3 SQL. A node matches a query when every query word is a prefix of one of its tokens;
 * its score adds, per word, the weight of the best field it matched in (an exact token scores more
 * than a prefix). Names are also matched as substrings (`searchNodes`), which outranks everything.
 */
import type { SearchIndex } from './docs-data.js';
import { searchNodes } from './search-nodes.js';

export const FIELD = { name: 0, column: 1, text: 2, sql: 3 } as const;
export type SearchField = (typeof FIELD)[keyof typeof FIELD];
export const FIELD_LABEL: readonly string[] = ['name', 'column', 'description', 'SQL'];
const WEIGHT = [1000, 300, 60, 10];

/** Words no one searches SQL for; they would only make the index bigger. */
const SQL_STOP = new Set(
  'select from where and or not as on join left right inner outer full cross using with group by order having limit offset union all distinct case when then else end is null in between like ilike true false cast over partition asc desc the of to a an for be this that'.split(
    ' ',
  ),
);

/**
 * Lower-case tokens of a text: words and identifiers, and the parts of `a_b` / `a.b` / `a-b`
 * identifiers. One-letter tokens are dropped.
 *
 * @example tokenize('fct_orders.customer_key') // ['fct_orders', 'fct', 'orders', 'customer_key', 'customer', 'key']
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []) {
    if (word.length > 1) out.push(word);
    if (word.includes('_')) for (const part of word.split('_')) if (part.length > 1) out.push(part);
  }
  return out;
}

/** What one node contributes to the index, by field. */
export interface SearchDocument {
  readonly name: string;
  readonly columns: readonly string[];
  readonly text: readonly string[];
  readonly sql: string;
}

/**
 * Builds the index: postings are `node * 4 + field` (the best field the token occurs in for that
 * node), ascending and delta-encoded, so a 10,000-model project's index is a few MB of JSON.
 *
 * @example buildSearchIndex([{ name: 'orders', columns: ['order_id'], text: ['All orders'], sql: '' }])
 * // { tokens: ['all', 'id', 'order', 'order_id', 'orders'], postings: [[2], [1], [1], [1], [0]] }
 */
export function buildSearchIndex(docs: readonly SearchDocument[]): SearchIndex {
  const postings = new Map<string, number[]>();
  const last = new Map<string, number>();
  // Descriptions repeat across models (doc blocks, "Account identifier."): tokenize each text once.
  const memo = new Map<string, string[]>();
  const tokens = (text: string): string[] => {
    let t = memo.get(text);
    if (!t) memo.set(text, (t = tokenize(text)));
    return t;
  };
  docs.forEach((d, node) => {
    const best = new Map<string, number>();
    const put = (tokens: readonly string[], field: number): void => {
      for (const t of tokens) {
        const f = best.get(t);
        if (f === undefined || field < f) best.set(t, field);
      }
    };
    put(tokenize(d.name), FIELD.name);
    for (const c of d.columns) put(tokens(c), FIELD.column);
    for (const t of d.text) put(tokens(t), FIELD.text);
    put(
      tokenize(d.sql).filter((t) => !SQL_STOP.has(t) && !/^\d+$/.test(t)),
      FIELD.sql,
    );
    for (const [t, field] of best) {
      const value = node * 4 + field;
      let list = postings.get(t);
      if (!list) postings.set(t, (list = []));
      list.push(value - (last.get(t) ?? 0));
      last.set(t, value);
    }
  });
  const sorted = [...postings.keys()].sort();
  return { tokens: sorted, postings: sorted.map((t) => postings.get(t)!) };
}

export interface SearchHit {
  readonly node: number;
  readonly score: number;
  /** The best field a query word matched in (for "matched in column customer_key"). */
  readonly field: SearchField;
  /** The index token that matched in that field. */
  readonly token: string;
}

/** First position in the sorted `tokens` whose token is >= `q`. */
function lowerBound(tokens: readonly string[], q: string): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tokens[mid]! < q) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Ranks nodes for a query: name substring matches first (exact, prefix, word prefix, substring),
 * then full-text matches by score. Without an index (still loading) only names are searched.
 *
 * @example searchDocs(index, names, 'customer_key', 20)[0] // { node: 12, field: 1, token: 'customer_key', … }
 */
export function searchDocs(index: SearchIndex | null, names: readonly string[], query: string, limit = 50): SearchHit[] {
  const byName = searchNodes(names, query, limit);
  const hits: SearchHit[] = byName.map((node, k) => ({ node, score: 1e9 - k, field: FIELD.name, token: names[node]!.toLowerCase() }));
  const words = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [])];
  if (!index || !words.length) return hits;
  let scores: Map<number, { score: number; field: number; token: string }> | null = null;
  for (const w of words) {
    const mine = new Map<number, { score: number; field: number; token: string }>();
    for (let k = lowerBound(index.tokens, w); k < index.tokens.length && index.tokens[k]!.startsWith(w); k++) {
      const token = index.tokens[k]!;
      const exact = token === w;
      let value = 0;
      for (const delta of index.postings[k]!) {
        value += delta;
        const node = value >> 2;
        const field = value & 3;
        if (scores && !scores.has(node)) continue;
        const score = WEIGHT[field]! * (exact ? 1 : 0.6);
        const had = mine.get(node);
        if (!had || score > had.score) mine.set(node, { score, field, token });
      }
    }
    if (scores) {
      for (const [node, s] of mine) {
        const before = scores.get(node)!;
        mine.set(node, { score: before.score + s.score, field: Math.min(before.field, s.field), token: s.field <= before.field ? s.token : before.token });
      }
    }
    scores = mine;
    if (!scores.size) break;
  }
  const seen = new Set(byName);
  const ranked = [...scores!].filter(([node]) => !seen.has(node));
  ranked.sort((a, b) => b[1].score - a[1].score || names[a[0]]!.length - names[b[0]]!.length || a[0] - b[0]);
  for (const [node, s] of ranked.slice(0, Math.max(0, limit - hits.length))) hits.push({ node, score: s.score, field: s.field as SearchField, token: s.token });
  return hits;
}
