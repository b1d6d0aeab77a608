import { PLACEHOLDER_RE } from './jinja/types.js';

/** How a ref/source placeholder is printed in final SQL. */
export type RelationTarget =
  | { readonly kind: 'relation'; readonly sql: string }
  /** An ephemeral model: printed as its CTE name; its body is injected at the top. */
  | { readonly kind: 'ephemeral'; readonly name: string; readonly id: string };

export const EPHEMERAL_PREFIX = '__dbt__cte__';

/**
 * Replaces placeholders in rendered SQL. `lookup` returns undefined for unknown targets (those
 * were reported as diagnostics before; they print as the bare name).
 *
 * @example resolvePlaceholders(refPlaceholder('stg'), () => ({kind: 'relation', sql: '"db"."s"."stg"'}))
 * // '"db"."s"."stg"'
 */
export function resolvePlaceholders(
  sql: string,
  lookup: (kind: 'ref' | 'src', a: string, b: string) => RelationTarget | undefined,
  onEphemeral?: (id: string) => void,
  /** Told every replacement (offset in `sql`, placeholder length, printed length): source maps. */
  onReplace?: (at: number, removed: number, inserted: number) => void,
): string {
  return sql.replace(PLACEHOLDER_RE, (m: string, kind: 'ref' | 'src', a: string, b: string, at: number) => {
    const t = lookup(kind, a, b);
    const printed = !t ? (kind === 'ref' ? b : `${a}.${b}`) : t.kind === 'relation' ? t.sql : `${EPHEMERAL_PREFIX}${t.name}`;
    if (t?.kind === 'ephemeral') onEphemeral?.(t.id);
    onReplace?.(at, m.length, printed.length);
    return printed;
  });
}

/**
 * Injects ephemeral CTEs exactly as dbt-core does (sqlparse token insertion): each CTE is
 * ` __dbt__cte__<name> as (\n<sql>\n)`, joined by `, `; merged after the query's own top-level
 * `with` (plus a comma) when it has one, otherwise a `with` goes before the first non-space
 * token, with no space after the last CTE (dbt's well-known `)select`).
 *
 * @example injectCtes('select * from __dbt__cte__a', [{name: 'a', sql: 'select 1'}])
 * // 'with __dbt__cte__a as (\nselect 1\n)select * from __dbt__cte__a'
 * @example injectCtes('with x as (select 1) select * from x', [{name: 'a', sql: 'select 2'}])
 * // 'with __dbt__cte__a as (\nselect 2\n), x as (select 1) select * from x'
 */
export function injectCtes(sql: string, ctes: readonly { name: string; sql: string }[]): string {
  if (ctes.length === 0) return sql;
  const defs = ctes.map((c) => ` ${EPHEMERAL_PREFIX}${c.name} as (\n${c.sql}\n)`).join(', ');
  const lead = /^(\s*(?:--[^\n]*(?:\n|$)\s*|\/\*[\s\S]*?\*\/\s*)*)with(\s+recursive)?\b/i.exec(sql);
  if (lead) {
    const at = lead[0].length;
    return `${sql.slice(0, at)}${defs},${sql.slice(at)}`;
  }
  const ws = /^\s*/.exec(sql)![0];
  return `${ws}with${defs}${sql.slice(ws.length)}`;
}
