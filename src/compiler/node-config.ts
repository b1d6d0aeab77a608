import { createHash } from 'node:crypto';

/** Keys whose values accumulate across config levels (dbt: tags union, meta/grants merge). */
const UNION_KEYS = new Set(['tags']);
const MERGE_KEYS = new Set(['meta', 'grants', 'docs', 'persist_docs']);
/** Keys dbt lets users spell either way; we normalise to the underscore form. */
const ALIASES: Readonly<Record<string, string>> = {
  'pre-hook': 'pre_hook',
  'post-hook': 'post_hook',
  'on-schema-change': 'on_schema_change',
};

function asList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * Merges config levels, least specific first, with dbt semantics: `tags` accumulate, `meta`
 * merges, `pre_hook`/`post_hook` accumulate, everything else the most specific wins.
 *
 * @example mergeConfig({tags: ['a'], materialized: 'view'}, {tags: 'b', materialized: 'table'})
 * // {tags: ['a', 'b'], materialized: 'table'}
 */
export function mergeConfig(...levels: readonly (Readonly<Record<string, unknown>> | undefined)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const level of levels) {
    if (!level) continue;
    for (const [rawKey, value] of Object.entries(level)) {
      const key = ALIASES[rawKey] ?? rawKey;
      if (UNION_KEYS.has(key)) {
        const cur = asList(out[key]);
        for (const t of asList(value)) if (!cur.includes(t)) cur.push(t);
        out[key] = cur;
      } else if (key === 'pre_hook' || key === 'post_hook') {
        out[key] = [...asList(out[key]), ...asList(value)];
      } else if (MERGE_KEYS.has(key) && isPlainObject(value) && isPlainObject(out[key])) {
        out[key] = { ...(out[key] as Record<string, unknown>), ...value };
      } else {
        out[key] = value;
      }
    }
  }
  return out;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** dbt's default generate_schema_name: a custom schema is appended to the target schema. */
export function generateSchemaName(targetSchema: string, custom: unknown): string {
  if (custom === undefined || custom === null || custom === '') return targetSchema;
  return `${targetSchema}_${String(custom).trim()}`;
}

/** Double-quotes an identifier for PostgreSQL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"database"."schema"."identifier"`, as dbt's postgres adapter renders relations. */
export function relationName(database: string, schema: string, identifier: string): string {
  return `${quoteIdent(database)}.${quoteIdent(schema)}.${quoteIdent(identifier)}`;
}

/** JSON with object keys sorted, so equal values always hash equal. */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    isPlainObject(val)
      ? Object.fromEntries(Object.keys(val).sort().map((k) => [k, val[k]]))
      : val,
  );
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
