/**
 * Where query results are cached: in process (LRU) or shared (Redis). Values are the response
 * JSON text; a failing shared cache is a miss, never an error for the caller.
 */
export interface ResultCache {
  readonly kind: 'memory' | 'redis' | 'off';
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /**
   * Whether the cache answers right now, bounded by about a second; never throws. In-process
   * caches are always `ok`; Redis is `unavailable` when PING gets no answer (lookups are then
   * misses, so this is for `/health`, not for failing requests).
   */
  health(): Promise<'ok' | 'unavailable'>;
  close(): Promise<void>;
}

/**
 * In-process LRU with per-entry TTL, bounded by entries and total bytes (a Map keeps insertion
 * order, so re-inserting on read makes the first key the least recently used).
 *
 * @example const c = new LruCache(1000); await c.set('k', '{"rows":[]}', 60_000); await c.get('k')
 */
export class LruCache implements ResultCache {
  readonly kind = 'memory' as const;
  private readonly map = new Map<string, { value: string; expires: number }>();
  private bytes = 0;

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxBytes = 256 * 1024 * 1024,
  ) {}

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.getSync(key));
  }

  /** Synchronous read, so a hit costs no extra tick. */
  getSync(key: string): string | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expires <= Date.now()) {
      this.delete(key);
      return undefined;
    }
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    if (value.length > this.maxBytes / 4) return Promise.resolve(); // one huge result must not flush everything
    this.delete(key);
    this.map.set(key, { value, expires: Date.now() + ttlMs });
    this.bytes += value.length;
    while (this.map.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
    return Promise.resolve();
  }

  get size(): number {
    return this.map.size;
  }

  health(): Promise<'ok' | 'unavailable'> {
    return Promise.resolve('ok');
  }

  private delete(key: string): void {
    const e = this.map.get(key);
    if (e) {
      this.bytes -= e.value.length;
      this.map.delete(key);
    }
  }

  close(): Promise<void> {
    this.map.clear();
    this.bytes = 0;
    return Promise.resolve();
  }
}

/** No caching (`--cache off`). */
export class NoCache implements ResultCache {
  readonly kind = 'off' as const;
  get(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
  set(): Promise<void> {
    return Promise.resolve();
  }
  health(): Promise<'ok' | 'unavailable'> {
    return Promise.resolve('ok');
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
