import { randomUUID } from 'node:crypto';
import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import { q } from '../semantic/sql-fragments.js';

/** Default schema of Strata's own bookkeeping tables (`builds`, `rollups`). */
export const META_SCHEMA = 'strata_meta';

/** What the server reads to know the warehouse's state: the latest build and built rollups. */
export interface BuildState {
  /** Id of the latest finished `strata run`/`build` (null: none recorded). Part of cache keys. */
  readonly buildId: string | null;
  /** Built rollups: name → { relation, fingerprint of what it stores }. */
  readonly rollups: Readonly<Record<string, { readonly relation: string; readonly fingerprint: string }>>;
}

/**
 * Creates the metadata tables when missing (idempotent).
 *
 * @example await ensureMetadata(adapter) // create schema if not exists "strata_meta"; …
 */
export async function ensureMetadata(adapter: WarehouseAdapter, schema = META_SCHEMA): Promise<void> {
  const s = q(schema);
  await adapter.query(`create schema if not exists ${s}`);
  await adapter.query(`create table if not exists ${s}."builds" (build_id text primary key, command text not null, finished_at timestamptz not null default now(), nodes integer not null default 0)`);
  await adapter.query(`create table if not exists ${s}."rollups" (name text primary key, relation text not null, fingerprint text not null, build_id text not null, rows bigint not null, built_at timestamptz not null default now())`);
}

/**
 * Records a finished run/build; servers see the new id and stop serving cached results of the
 * previous one. Resolves to the new build id.
 *
 * @example await recordBuild(adapter, 'build', 12) // '6f1c…'
 */
export async function recordBuild(adapter: WarehouseAdapter, command: string, nodes: number, schema = META_SCHEMA): Promise<string> {
  await ensureMetadata(adapter, schema);
  const id = randomUUID();
  await adapter.query(`insert into ${q(schema)}."builds" (build_id, command, nodes) values ($1, $2, $3)`, [id, command, nodes]);
  return id;
}

/** Reads the latest build id and the built rollups; an empty state when nothing is recorded. */
export async function readBuildState(adapter: WarehouseAdapter, schema = META_SCHEMA): Promise<BuildState> {
  const exists = await adapter.query<{ ok: boolean }>(`select to_regclass($1) is not null as ok`, [`${q(schema)}."builds"`]);
  if (!exists.rows[0]?.ok) return { buildId: null, rollups: {} };
  const b = await adapter.query<{ build_id: string }>(`select build_id from ${q(schema)}."builds" order by finished_at desc, build_id limit 1`);
  const r = await adapter.query<{ name: string; relation: string; fingerprint: string }>(`select name, relation, fingerprint from ${q(schema)}."rollups"`);
  return {
    buildId: b.rows[0]?.build_id ?? null,
    rollups: Object.fromEntries(r.rows.map((x) => [x.name, { relation: x.relation, fingerprint: x.fingerprint }])),
  };
}
