/**
 * Opens the online store a target's profile names (`online_store:`). No
 * `online_store` means the PostgreSQL table in the target database (the embedded default).
 */
import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import type { ResolvedTarget } from '../project/types.js';
import type { OnlineStore } from './online-store.js';
import { PostgresOnlineStore } from './postgres-store.js';
import { RedisOnlineStore, type RedisStoreOptions } from './redis-store.js';

/**
 * @example const store = openOnlineStore(files.target, adapter, registry.namespace)
 * // profile online_store: {type: redis, url: redis://127.0.0.1:6379/0} → RedisOnlineStore (STRATA_REDIS_URL already applied)
 * // no online_store / {type: postgres} → PostgresOnlineStore on "<schema>"."strata_online_features"
 *
 * `redis` tunes the Redis store (read timeout, default 1 s; `onError` to log connection errors,
 * which are otherwise dropped: calls fail with OnlineStoreUnavailableError instead).
 */
export function openOnlineStore(target: ResolvedTarget, adapter: WarehouseAdapter, namespace: string, redis: RedisStoreOptions = {}): OnlineStore {
  const cfg = target.onlineStore ?? { type: 'postgres' as const };
  if (cfg.type === 'redis') return new RedisOnlineStore(cfg.url, namespace, redis);
  return new PostgresOnlineStore(adapter, target.schema, namespace);
}
