/**
 * Small helpers for the SQL snippets users write in semantic YAML: `{model}` tokens, metric
 * names in derived expressions, interval literals.
 */

/** `{sales}.amount` → names referenced: ['sales']. */
export function modelTokens(sql: string): string[] {
  const out: string[] = [];
  for (const m of sql.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** Replaces `{model}` tokens with quoted aliases. */
export function substituteModels(sql: string, alias: (model: string) => string): string {
  return sql.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => alias(name));
}

const SQL_WORDS = new Set(
  [
    'and', 'or', 'not', 'null', 'is', 'in', 'case', 'when', 'then', 'else', 'end', 'as', 'cast',
    'numeric', 'decimal', 'int', 'integer', 'bigint', 'float', 'double', 'precision', 'real', 'text',
    'true', 'false', 'between', 'like', 'ilike', 'distinct', 'interval', 'date', 'timestamp',
  ].map((w) => w.toLowerCase()),
);

/**
 * Identifiers in a derived metric's expression that name metrics (not functions, keywords,
 * literals). `revenue / nullif(orders, 0)` → ['revenue', 'orders'].
 */
export function expressionIdentifiers(expr: string): string[] {
  const stripped = expr.replace(/'(?:[^']|'')*'/g, "''");
  const out: string[] = [];
  for (const m of stripped.matchAll(/(?<![A-Za-z0-9_."])([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_])(\s*\()?/g)) {
    const word = m[1]!;
    if (m[2]) continue; // a function call
    if (SQL_WORDS.has(word.toLowerCase())) continue;
    if (!out.includes(word)) out.push(word);
  }
  return out;
}

/** Replaces whole-word metric names in a derived expression. */
export function substituteIdentifiers(expr: string, replace: (name: string) => string | undefined): string {
  const parts = expr.split(/('(?:[^']|'')*')/);
  return parts
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(/(?<![A-Za-z0-9_."])([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_])(?!\s*\()/g, (w: string) => replace(w) ?? w),
    )
    .join('');
}

const INTERVAL_RE = /^\s*(\d+)\s+(minute|hour|day|week|month|quarter|year)s?\s*$/i;

/**
 * Validates a window like '7 days' and returns it in canonical form ('7 days'), or undefined.
 * Only this shape is accepted, so it can be inlined as an interval literal safely.
 */
export function parseInterval(text: string): string | undefined {
  const m = INTERVAL_RE.exec(text);
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase();
  if (unit === 'quarter') return `${Number(m[1]) * 3} months`;
  return `${Number(m[1])} ${unit}${m[1] === '1' ? '' : 's'}`;
}
