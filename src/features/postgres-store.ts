/**
 * PostgreSQL online store (the embedded default): an UNLOGGED table in the target schema —
 * no WAL, so writes are cheap, and losing it in a crash only means re-materializing. Values are
 * a jsonb object of text values; materialization runs entirely in the database
 * (`writeFromQuery`: insert … select … on conflict do update).
 */
import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import { ident } from '../planner/sql.js';
import type { MaterializationMeta, MaterializedRow, OnlineRead, OnlineRecord, OnlineStore } from './online-store.js';
import type { FeatureView } from './types.js';

export const ONLINE_TABLE = 'strata_online_features';
export const META_TABLE = 'strata_online_watermarks';

export class PostgresOnlineStore implements OnlineStore {
  readonly kind = 'postgres';
  private ready: Promise<void> | undefined;

  /**
   * @example new PostgresOnlineStore(adapter, 'analytics', 'shop.analytics')
   * // create unlogged table if not exists "analytics"."strata_online_features" (namespace text, feature_view text,
   * //   entity_key text, event_ts timestamptz, features jsonb, primary key (namespace, feature_view, entity_key))
   */
  constructor(
    private readonly adapter: WarehouseAdapter,
    readonly schema: string,
    readonly namespace: string,
  ) {}

  get table(): string {
    return `${ident(this.schema)}.${ident(ONLINE_TABLE)}`;
  }

  private get meta(): string {
    return `${ident(this.schema)}.${ident(META_TABLE)}`;
  }

  /** Creates the tables once per store object (tried again after a failure). */
  ensure(): Promise<void> {
    if (this.ready) return this.ready;
    const p = (async () => {
      await this.adapter.query(`create schema if not exists ${ident(this.schema)}`);
      await this.adapter.query(
        `create unlogged table if not exists ${this.table} (namespace text not null, feature_view text not null, entity_key text not null,
          event_ts timestamptz not null, features jsonb not null, primary key (namespace, feature_view, entity_key))`,
      );
      await this.adapter.query(`create table if not exists ${this.meta} (namespace text not null, feature_view text not null, meta jsonb not null, primary key (namespace, feature_view))`);
    })();
    this.ready = p;
    // A failed attempt (database down at start-up) must not stick: the next call tries again.
    p.catch(() => {
      if (this.ready === p) this.ready = undefined;
    });
    return p;
  }

  /** Runs a statement; a table dropped behind the store's back (42P01) is re-created by the next call. */
  private async run<Row>(sql: string, params: readonly unknown[]): Promise<{ rows: readonly Row[]; rowCount: number }> {
    await this.ensure();
    try {
      return await this.adapter.query<Row>(sql, params);
    } catch (e) {
      if ((e as { code?: unknown }).code === '42P01') this.ready = undefined; // dropped: re-create next time
      throw e;
    }
  }

  /**
   * `ok` when the database answers `select 1` within 1 s, else `unavailable`. Never throws.
   *
   * @example await store.health() // 'ok'
   */
  async health(): Promise<'ok' | 'unavailable'> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.adapter.query('select 1', [], { timeoutMs: 1_000 }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), 1_000);
        }),
      ]);
      return 'ok';
    } catch {
      return 'unavailable';
    } finally {
      clearTimeout(timer);
    }
  }

  async write(view: FeatureView, rows: readonly MaterializedRow[]): Promise<void> {
    if (rows.length === 0) return;
    const names = view.features.map((f) => f.name);
    const docs = rows.map((r) => JSON.stringify(Object.fromEntries(names.map((n, i) => [n, r.values[i] ?? null]))));
    await this.run(
      `insert into ${this.table} (namespace, feature_view, entity_key, event_ts, features)
       select $1, $2, k, to_timestamp(t / 1000.0), f::jsonb from unnest($3::text[], $4::float8[], $5::text[]) as u(k, t, f)
       on conflict (namespace, feature_view, entity_key) do update set event_ts = excluded.event_ts, features = excluded.features`,
      [this.namespace, view.name, rows.map((r) => r.key), rows.map((r) => r.ts), docs],
    );
  }

  /**
   * Upserts the rows of a query producing (`__key` text, `__ts` epoch ms, one text column per
   * feature) without the rows leaving the database.
   */
  async writeFromQuery(view: FeatureView, sql: string, params: readonly unknown[]): Promise<number> {
    await this.ensure();
    const n = params.length;
    const obj = view.features.map((f) => `'${f.name.replace(/'/g, "''")}', m.${ident(f.name)}`).join(', ');
    const r = await this.adapter.query(
      `insert into ${this.table} (namespace, feature_view, entity_key, event_ts, features)
       select $${n + 1}, $${n + 2}, m."__key", to_timestamp(m."__ts" / 1000.0), jsonb_build_object(${obj}) from (\n${sql}\n) as m
       on conflict (namespace, feature_view, entity_key) do update set event_ts = excluded.event_ts, features = excluded.features`,
      [...params, this.namespace, view.name],
    );
    return r.rowCount;
  }

  async read(reads: readonly OnlineRead[]): Promise<(OnlineRecord | undefined)[]> {
    if (reads.length === 0) return [];
    const r = await this.run<{ v: string; k: string; ts: number; features: Record<string, string | null> | string }>(
      `select o.feature_view as v, o.entity_key as k, extract(epoch from o.event_ts)::float8 * 1000 as ts, o.features
       from ${this.table} as o join unnest($2::text[], $3::text[]) as u(v, k) on o.feature_view = u.v and o.entity_key = u.k
       where o.namespace = $1`,
      [this.namespace, reads.map((x) => x.view.name), reads.map((x) => x.key)],
    );
    const found = new Map(r.rows.map((row) => [`${row.v}\u0000${row.k}`, row]));
    return reads.map((x) => {
      const row = found.get(`${x.view.name}\u0000${x.key}`);
      if (!row) return undefined;
      const f = typeof row.features === 'string' ? (JSON.parse(row.features) as Record<string, string | null>) : row.features;
      return { ts: Number(row.ts), values: x.features.map((n) => (Object.hasOwn(f, n) ? (f[n] ?? null) : null)) };
    });
  }

  async getMeta(view: string): Promise<MaterializationMeta | undefined> {
    const r = await this.run<{ meta: MaterializationMeta | string }>(`select meta from ${this.meta} where namespace = $1 and feature_view = $2`, [this.namespace, view]);
    const m = r.rows[0]?.meta;
    return typeof m === 'string' ? (JSON.parse(m) as MaterializationMeta) : m;
  }

  async setMeta(view: string, meta: MaterializationMeta): Promise<void> {
    await this.run(
      `insert into ${this.meta} (namespace, feature_view, meta) values ($1, $2, $3::jsonb)
       on conflict (namespace, feature_view) do update set meta = excluded.meta`,
      [this.namespace, view, JSON.stringify(meta)],
    );
  }

  /** The adapter belongs to the caller. */
  async close(): Promise<void> {}
}
