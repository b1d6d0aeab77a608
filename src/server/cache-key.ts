import { createHash } from 'node:crypto';
import type { MetricQuery } from '../semantic/index.js';

/** JSON with object keys sorted, so equal values always give equal text. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * Cache key of a query result: the validated (defaults filled) query, the role, every user
 * attribute (a row filter may read any of them) and the build id, hashed. A new build id makes
 * every older entry unreachable, which is the invalidation.
 *
 * @example cacheKey(query, 'sales', { region: 'EMEA' }, 'b1') // 'b1:3f9a…'
 */
export function cacheKey(query: MetricQuery, role: string, user: Readonly<Record<string, unknown>>, buildId: string | null): string {
  const h = createHash('sha256').update(stableJson({ q: query, role, user })).digest('base64url');
  return `${buildId ?? 'none'}:${h}`;
}
