import type { PlannedQuery } from './plan-query.js';

export interface QueryResponse {
  readonly columns: PlannedQuery['columns'];
  readonly rows: readonly Record<string, unknown>[];
  readonly meta: { readonly cache: 'hit' | 'miss'; readonly rollup: string | null; readonly ms: number; readonly drill?: PlannedQuery['drill'] };
}

/**
 * Driver rows → the API's JSON shape: numbers as numbers (pg returns numeric/bigint as strings),
 * dates of truncated time members as `YYYY-MM-DD`, timestamps as ISO strings.
 */
export function shapeRows(columns: PlannedQuery['columns'], rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((r) => {
    const out: Record<string, unknown> = {};
    for (const c of columns) {
      const v = r[c.name];
      if (v === null || v === undefined) out[c.name] = null;
      else if (c.type === 'number') out[c.name] = typeof v === 'string' || typeof v === 'bigint' ? Number(v) : v;
      else if (v instanceof Date) {
        const iso = v.toISOString();
        out[c.name] = iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
      } else out[c.name] = v;
    }
    return out;
  });
}
