import { loadModule, parseSync } from 'libpg-query';

/**
 * PostgreSQL's own parser (libpg-query, WebAssembly) for the SQL snippets users write in YAML:
 * syntax checks with the exact error, and qualifying bare column references with a model alias.
 * Call `initSqlParser()` once (it loads the WebAssembly module) before the sync functions.
 */
let ready: Promise<void> | undefined;
let loaded = false;

export async function initSqlParser(): Promise<void> {
  ready ??= loadModule().then(() => {
    loaded = true;
  });
  await ready;
}

export function sqlParserReady(): boolean {
  return loaded;
}

/**
 * The parser's error for a statement, or undefined when it parses.
 *
 * @example checkSql('select a +') // 'syntax error at end of input'
 */
export function checkSql(sql: string): string | undefined {
  if (!loaded) return undefined;
  try {
    parseSync(sql);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

const PREFIX = 'select ';

/**
 * Prefixes every unqualified column reference in an expression with `{self}.`, so the planner
 * can place the expression in a query joining several models.
 *
 * @example qualifyColumns('lower(region) || city') // 'lower({self}.region) || {self}.city'
 */
export function qualifyColumns(expr: string): string {
  if (!loaded) return /^[A-Za-z_][A-Za-z0-9_]*$/.test(expr.trim()) ? `{self}.${expr.trim()}` : expr;
  const sql = PREFIX + expr;
  let tree: unknown;
  try {
    tree = parseSync(sql);
  } catch {
    return expr;
  }
  const offsets: number[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const rec = node as Record<string, unknown>;
    const col = rec['ColumnRef'] as { fields?: unknown[]; location?: number } | undefined;
    if (col && Array.isArray(col.fields) && col.fields.length === 1 && typeof col.location === 'number') {
      const f = col.fields[0] as Record<string, unknown>;
      if (f && 'String' in f) offsets.push(col.location);
    }
    // Subqueries have their own scope: their columns are not the model's.
    if ('SubLink' in rec) return;
    for (const v of Object.values(rec)) walk(v);
  };
  walk(tree);
  if (offsets.length === 0) return expr;
  const bytes = Buffer.from(sql, 'utf8');
  let out = '';
  let last = 0;
  for (const off of offsets.sort((a, b) => a - b)) {
    out += bytes.subarray(last, off).toString('utf8') + '{self}.';
    last = off;
  }
  out += bytes.subarray(last).toString('utf8');
  return out.slice(PREFIX.length);
}
