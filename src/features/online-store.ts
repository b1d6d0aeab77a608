/**
 * The online store port: latest feature values per (view, entity), with their event timestamps,
 * plus a per-view materialization watermark. Backends: Redis (`redis-store.ts`) and an UNLOGGED
 * PostgreSQL table (`postgres-store.ts`).
 *
 * Values travel as PostgreSQL's text form (`value::text`), so online and offline values compare
 * exactly and decode the same way (`decodeValue`). A store that cannot be reached fails reads
 * with `OnlineStoreUnavailableError` (Redis: within about a second), never by hanging.
 */
import type { FeatureView } from './types.js';

/** One entity's latest row of a view, as materialization writes it. */
export interface MaterializedRow {
  /** Encoded entity key (`entityKey`). */
  readonly key: string;
  /** Event timestamp, epoch milliseconds. */
  readonly ts: number;
  /** Feature values in `view.features` order (text form; null = NULL). */
  readonly values: readonly (string | null)[];
}

/** A stored row read back: event timestamp and the requested features' text values. */
export interface OnlineRecord {
  readonly ts: number;
  readonly values: readonly (string | null)[];
}

export interface OnlineRead {
  readonly view: FeatureView;
  readonly key: string;
  /** Feature names to fetch. */
  readonly features: readonly string[];
}

export interface MaterializationMeta {
  /** Rows with event time <= watermark are in the store (ISO). */
  readonly watermark: string;
  /** The point in time the values were computed for (ISO; = watermark). */
  readonly asOf: string;
  readonly materializedAt: string;
  readonly entities: number;
  readonly incremental: boolean;
}

export interface OnlineStore {
  readonly kind: 'redis' | 'postgres';
  /** Writes (upserts) the latest rows of a view. */
  write(view: FeatureView, rows: readonly MaterializedRow[]): Promise<void>;
  /** Reads many (view, entity) records in one round trip; undefined where nothing is stored. */
  read(reads: readonly OnlineRead[]): Promise<(OnlineRecord | undefined)[]>;
  getMeta(view: string): Promise<MaterializationMeta | undefined>;
  setMeta(view: string, meta: MaterializationMeta): Promise<void>;
  /**
   * Whether the store answers right now: `ok`, or `unavailable` when it does not within about a
   * second (Redis PING / PostgreSQL `select 1`). Never throws; for `/health`.
   */
  health(): Promise<'ok' | 'unavailable'>;
  close(): Promise<void>;
}

/** Separates the parts of a composite entity key (ASCII unit separator, never in keys). */
export const KEY_SEPARATOR = '\u001f';

/**
 * Encodes join-key values the way SQL does (`concat_ws(chr(31), k1::text, …)`).
 *
 * @example entityKey([123]) // '123'
 * @example entityKey(['eu', 7]) // 'eu\u001f7'
 */
export function entityKey(values: readonly unknown[]): string {
  return values.map((v) => (v instanceof Date ? v.toISOString() : String(v))).join(KEY_SEPARATOR);
}
