import { Redis } from 'ioredis';
import type { ResultCache } from './result-cache.js';

/**
 * Shared result cache in Redis, so several `strata serve` replicas behind a load balancer share
 * one cache. Keys are prefixed; entries expire by TTL (`SET … PX`). Redis being down makes
 * every lookup a miss at once (reported through `onError`), never a failed or slow request:
 * no offline queue, 500 ms per command, 1 s to connect, reconnection at most a second apart.
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
      connectTimeout: 1_000,
      commandTimeout: 500,
      lazyConnect: false,
      // Back soon after Redis is: retry every 100 ms, 200 ms, … at most 1 s apart.
      retryStrategy: (times) => Math.min(100 * times, 1_000),
    });
    // Always a listener: without one ioredis prints "Unhandled error event" on every attempt.
    this.redis.on('error', (e: Error) => this.onError(e));
  }

  /** Resolves once connected (or rejects after 3 s), for startup checks and tests. */
  async ready(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const onReady = (): void => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        this.redis.off('ready', onReady);
        reject(new Error('redis: connection timed out'));
      }, 3_000);
      this.redis.once('ready', onReady);
    });
  }

  /**
   * `ok` when Redis answers PING within 1 s (the command timeout, 500 ms, applies too), else
   * `unavailable`. Never throws.
   *
   * @example await cache.health() // 'ok'
   */
  async health(): Promise<'ok' | 'unavailable'> {
    if (this.redis.status !== 'ready') return 'unavailable';
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.redis.ping(),
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

  /** The connection state (`ready`, `connecting`, `reconnecting`, …), for tests and logs. */
  get status(): string {
    return this.redis.status;
  }
}
