import { Redis } from 'ioredis';
import type { ResultCache } from './result-cache.js';

/**
 * Shared result cache in Redis, so several `strata serve` replicas behind a load balancer share
 * one cache. Keys are prefixed; entries expire by TTL (`SET … PX`). Redis being down makes
 * every lookup a miss (reported through `onError`), never a failed request.
 *
 * @example const c = new RedisCache('redis://127.0.0.1:6379/0'); await c.get('strata:q:…')
 */
export class RedisCache implements ResultCache {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly onError: (e: Error) => void = () => undefined,
    private readonly prefix = 'strata:q:',
  ) {
    this.redis = new Redis(url, {
      // Fail fast instead of queueing commands while Redis is away: a miss is cheaper.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 500,
      lazyConnect: false,
    });
    this.redis.on('error', (e: Error) => this.onError(e));
  }

  /** Resolves once connected (or rejects), for startup checks and tests. */
  async ready(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('redis: connection timed out')), 3_000);
      this.redis.once('ready', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return (await this.redis.get(this.prefix + key)) ?? undefined;
    } catch (e) {
      this.onError(e as Error);
      return undefined;
    }
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    try {
      await this.redis.set(this.prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs)));
    } catch (e) {
      this.onError(e as Error);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }
}
