import { createHash } from 'node:crypto';
import type { AccessRole, MetricQuery } from '../semantic/index.js';

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

const fingerprints = new WeakMap<AccessRole, string>();

/**
 * A short hash of everything a role's access rules say (row filter, per-model filters, hidden
 * members, …): a changed policy never reads results cached under the old one.
 *
 * @example policyFingerprint(layer.access.roles.sales) // 'Qm9…'
 */
export function policyFingerprint(role: AccessRole | null): string {
  if (!role) return 'unrestricted';
  let f = fingerprints.get(role);
  if (!f) {
    const { loc: _loc, ...rules } = role;
    f = createHash('sha256').update(stableJson(rules)).digest('base64url').slice(0, 22);
    fingerprints.set(role, f);
  }
  return f;
}

/**
 * Cache key of a query result: the validated (defaults filled) query, the role and its policy
 * fingerprint, every user attribute (a row filter may read any of them), the built rollups and
 * the build id, hashed. A new build id makes every older entry unreachable, which is the
 * invalidation.
 *
 * @example cacheKey(query, 'sales', { region: 'EMEA' }, 'b1', { policy: 'Qm9…', rollups: [] }) // 'b1:3f9a…'
 */
export function cacheKey(
  query: MetricQuery,
  role: string,
  user: Readonly<Record<string, unknown>>,
  buildId: string | null,
  state: { readonly policy: string; readonly rollups: readonly (readonly [string, string])[] } = { policy: '', rollups: [] },
): string {
  const h = createHash('sha256').update(stableJson({ q: query, role, user, policy: state.policy, rollups: state.rollups })).digest('base64url');
  return `${buildId ?? 'none'}:${h}`;
}
