import { randomUUID } from 'node:crypto';
import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import { q } from '../semantic/sql-fragments.js';

/** Default schema of Strata's own bookkeeping tables (`builds`, `rollups`, `node_builds`). */
export const META_SCHEMA = 'strata_meta';

/** A built rollup as recorded: where, what it stores, and the builds of what it was built from. */
export interface BuiltRollupRecord {
  readonly relation: string;
  readonly fingerprint: string;
  /** Source key (model unique id or relation) → the build id it had when the rollup was built. */
  readonly sources: Readonly<Record<string, string>>;
}

/** What the server reads to know its target schema's state: the latest build and built rollups. */
export interface BuildState {
  /** Id of the latest finished `strata run`/`build` of the target schema (null: none). Part of cache keys. */
  readonly buildId: string | null;
  readonly rollups: Readonly<Record<string, BuiltRollupRecord>>;
  /** Source key → id of the build that last rebuilt it. */
  readonly nodes: Readonly<Record<string, string>>;
}

const created = new WeakMap<WarehouseAdapter, Set<string>>();

/**
 * Creates the metadata tables when missing (idempotent, once per adapter and schema). Every
 * row is keyed by the target schema it describes, so builds of two schemas never overwrite
 * each other's state; tables from older versions gain the column (their rows then describe no
 * schema and are ignored).
 *
 * @example await ensureMetadata(adapter) // create schema if not exists "strata_meta"; …
 */
export async function ensureMetadata(adapter: WarehouseAdapter, schema = META_SCHEMA): Promise<void> {
  const done = created.get(adapter) ?? new Set<string>();
  if (done.has(schema)) return;
  const s = q(schema);
  // node_builds is created last: when it exists, every table and migration below is in place,
  // and concurrent builds need no DDL (which would contend for locks).
  const ready = await adapter.query<{ ok: boolean }>(`select to_regclass($1) is not null as ok`, [`${s}."node_builds"`]);
  if (ready.rows[0]?.ok) {
    done.add(schema);
    created.set(adapter, done);
    return;
  }
  await adapter.query(`create schema if not exists ${s}`);
  await adapter.query(`create table if not exists ${s}."builds" (build_id text primary key, target_schema text not null default '', command text not null, finished_at timestamptz not null default now(), nodes integer not null default 0)`);
  await adapter.query(`alter table ${s}."builds" add column if not exists target_schema text not null default ''`);
  await adapter.query(`create table if not exists ${s}."rollups" (target_schema text not null default '', name text not null, relation text not null, fingerprint text not null, build_id text not null, rows bigint not null, sources jsonb not null default '{}', built_at timestamptz not null default now())`);
  await adapter.query(`alter table ${s}."rollups" add column if not exists target_schema text not null default ''`);
  await adapter.query(`alter table ${s}."rollups" add column if not exists sources jsonb not null default '{}'`);
  // Older versions keyed rollups by name alone.
  await adapter.query(`alter table ${s}."rollups" drop constraint if exists "rollups_pkey"`);
  await adapter.query(`create unique index if not exists "rollups_target_name" on ${s}."rollups" (target_schema, name)`);
  await adapter.query(`create table if not exists ${s}."node_builds" (target_schema text not null, node text not null, build_id text not null, built_at timestamptz not null default now(), primary key (target_schema, node))`);
  done.add(schema);
  created.set(adapter, done);
}

/**
 * Records a finished run/build of `targetSchema`; its servers see the new id and stop serving
 * cached results of the previous one. Resolves to the new build id.
 *
 * @example await recordBuild(adapter, 'build', 12, 'strata_meta', 'analytics', id) // id
 */
export async function recordBuild(adapter: WarehouseAdapter, command: string, nodes: number, schema = META_SCHEMA, targetSchema = '', id: string = randomUUID()): Promise<string> {
  await ensureMetadata(adapter, schema);
  await adapter.query(`insert into ${q(schema)}."builds" (build_id, target_schema, command, nodes) values ($1, $2, $3, $4)`, [id, targetSchema, command, nodes]);
  return id;
}

/** Records that `nodes` (model unique ids or relations) were rebuilt by build `buildId`. */
export async function recordNodeBuilds(adapter: WarehouseAdapter, nodes: readonly string[], buildId: string, schema: string, targetSchema: string): Promise<void> {
  if (nodes.length === 0) return;
  await ensureMetadata(adapter, schema);
  await adapter.query(
    `insert into ${q(schema)}."node_builds" (target_schema, node, build_id) select $1, n, $2 from unnest($3::text[]) as n
     on conflict (target_schema, node) do update set build_id = excluded.build_id, built_at = now()`,
    [targetSchema, buildId, [...new Set(nodes)]],
  );
}

/** Reads the latest build id, built rollups and node builds of `targetSchema`; empty when nothing is recorded. */
export async function readBuildState(adapter: WarehouseAdapter, schema = META_SCHEMA, targetSchema = ''): Promise<BuildState> {
  const exists = await adapter.query<{ ok: boolean }>(`select to_regclass($1) is not null as ok`, [`${q(schema)}."node_builds"`]);
  if (!exists.rows[0]?.ok) return { buildId: null, rollups: {}, nodes: {} };
  const b = await adapter.query<{ build_id: string }>(`select build_id from ${q(schema)}."builds" where target_schema = $1 order by finished_at desc, build_id limit 1`, [targetSchema]);
  const r = await adapter.query<{ name: string; relation: string; fingerprint: string; sources: Record<string, string> | string }>(
    `select name, relation, fingerprint, sources from ${q(schema)}."rollups" where target_schema = $1`,
    [targetSchema],
  );
  const n = await adapter.query<{ node: string; build_id: string }>(`select node, build_id from ${q(schema)}."node_builds" where target_schema = $1`, [targetSchema]);
  return {
    buildId: b.rows[0]?.build_id ?? null,
    rollups: Object.fromEntries(
      r.rows.map((x) => [x.name, { relation: x.relation, fingerprint: x.fingerprint, sources: typeof x.sources === 'string' ? (JSON.parse(x.sources) as Record<string, string>) : x.sources }]),
    ),
    nodes: Object.fromEntries(n.rows.map((x) => [x.node, x.build_id])),
  };
}

/**
 * Is a recorded rollup still what its sources hold now? Every source must have the build id
 * the rollup was built from; a source rebuilt since (by `run` or `build`) makes it stale.
 */
export function rollupIsCurrent(record: BuiltRollupRecord, nodes: Readonly<Record<string, string>>): boolean {
  return Object.entries(record.sources).every(([source, buildId]) => (nodes[source] ?? '') === buildId);
}
