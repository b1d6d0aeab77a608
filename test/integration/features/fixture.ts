/**
 * Shared fixture of the feature-store suites: a random feature table and entity rows, the
 * registry over them, and a brute-force point-in-time reference computed in JS.
 */
import fc from 'fast-check';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse-adapter.js';
import { loadFeatureRegistry, type FeatureRegistry } from '../../../src/features/index.js';

export const BASE = Date.UTC(2024, 0, 1);
export const HOUR = 3_600_000;
export const TTL_HOURS = 10;

export interface FeatRow {
  readonly k: number;
  readonly h: number;
  readonly a: number | null;
  readonly b: number | null;
}
export interface EntRow {
  readonly id: number;
  readonly k: number;
  readonly h: number;
}

/** Small key and time domains so equal timestamps, TTL edges and missing entities are common. */
export const featRows = fc.array(
  fc.record({ k: fc.integer({ min: 1, max: 4 }), h: fc.integer({ min: 0, max: 16 }), a: fc.option(fc.integer({ min: -3, max: 3 }), { nil: null }), b: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }) }),
  { maxLength: 40, size: 'max' },
);
export const entRows = fc
  .array(fc.record({ k: fc.integer({ min: 1, max: 5 }), h: fc.integer({ min: -2, max: 30 }) }), { minLength: 1, maxLength: 25, size: 'max' })
  .map((rs) => rs.map((r, id) => ({ id, ...r })));

export function ts(h: number): string {
  return new Date(BASE + h * HOUR).toISOString().replace('T', ' ').replace('Z', '');
}

export async function loadData(db: WarehouseAdapter, schema: string, feats: readonly FeatRow[], ents: readonly EntRow[]): Promise<void> {
  await db.query(`drop table if exists "${schema}".feat`);
  await db.query(`drop table if exists "${schema}".ents`);
  await db.query(`create table "${schema}".feat (k integer, ts timestamp, a integer, b integer)`);
  await db.query(`create index on "${schema}".feat (k, ts)`);
  await db.query(`create table "${schema}".ents (id integer, customer_k integer, k integer, event_timestamp timestamp)`);
  if (feats.length) {
    await db.query(`insert into "${schema}".feat select * from unnest($1::int[], $2::timestamp[], $3::int[], $4::int[])`, [
      feats.map((f) => f.k), feats.map((f) => ts(f.h)), feats.map((f) => f.a), feats.map((f) => f.b),
    ]);
  }
  await db.query(`insert into "${schema}".ents select u.id, u.k, u.k, u.t from unnest($1::int[], $2::int[], $3::timestamp[]) with ordinality as u(id, k, t, n) order by u.n`, [
    ents.map((e) => e.id), ents.map((e) => e.k), ents.map((e) => ts(e.h)),
  ]);
}

export function registryFor(schema: string, impute = false): FeatureRegistry {
  const yaml = `
entities:
  - { name: thing, join_keys: [k] }
feature_views:
  - name: fv
    entity: thing
    source: ${schema}.feat
    timestamp: ts
    ttl: ${TTL_HOURS}h
    features:
      - { name: a, type: int64${impute ? ', impute: mean' : ''} }
      - { name: b, type: int64${impute ? ', impute: 7' : ''} }
`;
  const { registry, diagnostics } = loadFeatureRegistry([{ file: 'features.yml', text: yaml }], { namespace: `test.${schema}`, resolveRef: () => undefined, refNames: [] });
  if (!registry) throw new Error(JSON.stringify(diagnostics));
  return registry;
}

const nullsLast = (x: number | null, y: number | null): number => (x === y ? 0 : x === null ? 1 : y === null ? -1 : x - y);

/**
 * The reference: among rows of key k with t - ttl < ts <= t, the newest; ties by a, then b
 * ascending (NULLs last). Written independently of the SQL.
 */
export function reference(feats: readonly FeatRow[], k: number, h: number): FeatRow | undefined {
  const cands = feats.filter((f) => f.k === k && f.h <= h && f.h > h - TTL_HOURS);
  cands.sort((x, y) => y.h - x.h || nullsLast(x.a, y.a) || nullsLast(x.b, y.b));
  return cands[0];
}
