/**
 * Redis online store: one hash per (view, entity) at `strata:<namespace>:<view>:<entity key>`
 * with two fields: `__ts` (event time, epoch ms) and `__v`, the view's feature values as one JSON
 * object keyed by feature name (text form; null for NULL), so adding or reordering features never
 * shifts a value. One packed field instead of one
 * field per feature: at a million entities, encoding 2 + 2N command arguments per entity was
 * the cost of materialization (client CPU and garbage), not Redis. Writes and reads are
 * pipelined. Keys expire at event time + ttl (PEXPIREAT) so expired values also leave memory;
 * reads check the timestamp anyway, so TTL is exact whatever Redis has evicted.
 *
 * Why ioredis: pipelining with per-command results (`pipeline().exec()`), automatic reconnect,
 * TypeScript types, and it is the Redis client Feast's and BullMQ's Node users run in production.
 */
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

// ioredis takes ~70 ms to load; every CLI command imports this module, few open Redis.
let RedisClient: typeof Redis | undefined;
const redisClient = (): typeof Redis => (RedisClient ??= (createRequire(import.meta.url)('ioredis') as { Redis: typeof Redis }).Redis);
import { OnlineStoreUnavailableError } from './errors.js';
import type { MaterializationMeta, MaterializedRow, OnlineRead, OnlineRecord, OnlineStore } from './online-store.js';
import type { FeatureView } from './types.js';

const TS = '__ts';
const VALUES = '__v';

export interface RedisStoreOptions {
  /**
   * Bound on one read, meta lookup or health check, waiting for a connection included
   * (default 1,000 ms). Past it the call fails with OnlineStoreUnavailableError.
   */
  readonly timeoutMs?: number;
  /** Bound on one materialization batch (a pipeline of up to batch-size commands; default 60 s). */
  readonly writeTimeoutMs?: number;
  /** Connection errors as ioredis reports them (default: dropped; calls fail with OnlineStoreUnavailableError). */
  readonly onError?: (e: Error) => void;
}

/** Redis replies meaning "not now" rather than "wrong command". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|OOM)\b/;

export class RedisOnlineStore implements OnlineStore {
  readonly kind = 'redis';
  /** The serving connection: short command timeout, no offline queue. */
  readonly client: Redis;
  private writer: Redis | undefined;
  private readonly timeoutMs: number;
  private readonly writeTimeoutMs: number;

  /**
   * @example const store = new RedisOnlineStore('redis://127.0.0.1:6379/0', 'shop.analytics')
   * // HSET strata:shop.analytics:customer_features:123 __ts 1718841600000 purchase_count_30d 4 …
   */
  constructor(
    private readonly url: string,
    readonly namespace: string,
    private readonly opts: RedisStoreOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 1_000;
    this.writeTimeoutMs = opts.writeTimeoutMs ?? 60_000;
    this.client = this.connect(this.timeoutMs);
  }

  /**
   * A client that never queues commands while disconnected (they fail at once and the request
   * answers 503), reconnects at most a second apart (so service resumes soon after Redis is
   * back), and reports errors to a listener (no "Unhandled error event" on stderr).
   */
  private connect(commandTimeout: number): Redis {
    const options: RedisOptions = {
      lazyConnect: false,
      enableAutoPipelining: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: Math.max(this.timeoutMs, 1_000),
      commandTimeout,
      retryStrategy: (times) => Math.min(100 * times, 1_000),
    };
    const c = new (redisClient())(this.url, options);
    c.on('error', (e: Error) => this.opts.onError?.(e));
    // HSET + expiry in one server-side call: half the commands of HSET + PEXPIREAT, which is
    // what bounds materialization (client-side command encoding dominates at ~1M entities).
    c.defineCommand('strataHsetExpireAt', {
      numberOfKeys: 1,
      lua: "redis.call('HSET', KEYS[1], unpack(ARGV, 2)) if ARGV[1] == '' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end return 1",
    });
    return c;
  }

  /**
   * Runs `fn` once `client` is connected, all within `budgetMs`: a client between reconnection
   * attempts fails at once, one still connecting is waited for. Connection failures, timeouts
   * and "not now" replies become OnlineStoreUnavailableError; other errors pass through.
   */
  private async guarded<T>(client: Redis, budgetMs: number, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OnlineStoreUnavailableError('redis', `no answer within ${budgetMs} ms`)), budgetMs);
    });
    try {
      return await Promise.race([
        (async () => {
          await whenReady(client, deadline);
          return fn();
        })(),
        deadline,
      ]);
    } catch (e) {
      throw asUnavailable(e);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * `ok` when Redis answers PING within the read timeout (default 1 s), else `unavailable`.
   * Never throws.
   *
   * @example await store.health() // 'ok'
   */
  async health(): Promise<'ok' | 'unavailable'> {
    try {
      await this.guarded(this.client, this.timeoutMs, () => this.client.ping());
      return 'ok';
    } catch {
      return 'unavailable';
    }
  }

  key(view: string, entity: string): string {
    return `strata:${this.namespace}:${view}:${entity}`;
  }

  async write(view: FeatureView, rows: readonly MaterializedRow[]): Promise<void> {
    if (rows.length === 0) return;
    // Materialization batches get their own connection with a generous timeout: a pipeline of
    // 10,000 commands may take longer than a serving read may.
    const writer = (this.writer ??= this.connect(this.writeTimeoutMs));
    await this.guarded(writer, this.writeTimeoutMs, () => this.writeBatch(writer, view, rows));
  }

  private async writeBatch(writer: Redis, view: FeatureView, rows: readonly MaterializedRow[]): Promise<void> {
    const p = writer.pipeline();
    // Quoted names once per batch; each row's JSON object is then one string concatenation.
    const quoted = view.features.map((f) => JSON.stringify(f.name));
    const ttlMs = view.ttlSeconds === undefined ? undefined : view.ttlSeconds * 1000;
    const now = Date.now();
    const call = p as unknown as { strataHsetExpireAt(key: string, ...args: (string | number)[]): unknown };
    for (const r of rows) {
      // Expiry only frees memory (reads enforce the TTL exactly). Rows materialized as of a past
      // time (backfills, parity tests) would already be past it: keep those for one TTL.
      const expireAt = ttlMs === undefined ? '' : r.ts + ttlMs > now ? r.ts + ttlMs : now + ttlMs;
      let json = '{';
      for (let i = 0; i < quoted.length; i++) json += `${i ? ',' : ''}${quoted[i]}:${JSON.stringify(r.values[i] ?? null)}`;
      call.strataHsetExpireAt(this.key(view.name, r.key), expireAt, TS, r.ts, VALUES, `${json}}`);
    }
    const res = await p.exec();
    const failed = res?.find(([err]) => err);
    if (failed) throw failed[0]!;
  }

  /** Within the read timeout (default 1 s), else OnlineStoreUnavailableError. */
  async read(reads: readonly OnlineRead[]): Promise<(OnlineRecord | undefined)[]> {
    if (reads.length === 0) return [];
    return this.guarded(this.client, this.timeoutMs, () => this.readNow(reads));
  }

  private async readNow(reads: readonly OnlineRead[]): Promise<(OnlineRecord | undefined)[]> {
    if (reads.length === 1) {
      const r = reads[0]!;
      return [decode(await this.client.hmget(this.key(r.view.name, r.key), TS, VALUES), r)];
    }
    const p = this.client.pipeline();
    for (const r of reads) p.hmget(this.key(r.view.name, r.key), TS, VALUES);
    const res = (await p.exec()) ?? [];
    return res.map(([err, v], i) => {
      if (err) throw err;
      return decode(v as (string | null)[], reads[i]!);
    });
  }

  async getMeta(view: string): Promise<MaterializationMeta | undefined> {
    const v = await this.guarded(this.client, this.timeoutMs, () => this.client.get(`strata:${this.namespace}:__meta:${view}`));
    return v ? (JSON.parse(v) as MaterializationMeta) : undefined;
  }

  async setMeta(view: string, meta: MaterializationMeta): Promise<void> {
    await this.guarded(this.client, this.timeoutMs, () => this.client.set(`strata:${this.namespace}:__meta:${view}`, JSON.stringify(meta)));
  }

  async close(): Promise<void> {
    const quit = async (c: Redis): Promise<void> => {
      if (c.status === 'ready') await c.quit().catch(() => c.disconnect());
      else c.disconnect();
    };
    await Promise.all([quit(this.client), ...(this.writer ? [quit(this.writer)] : [])]);
  }
}

function decode(v: readonly (string | null)[], read: OnlineRead): OnlineRecord | undefined {
  const [ts, packed] = v;
  if (ts === null || ts === undefined) return undefined;
  const all = packed ? (JSON.parse(packed) as Record<string, string | null>) : {};
  return { ts: Number(ts), values: read.features.map((f) => all[f] ?? null) };
}

/**
 * Resolves when `client` is ready. A client between reconnection attempts (Redis known to be
 * down) or closed fails at once; one connecting is waited for, until `deadline` rejects.
 */
async function whenReady(client: Redis, deadline: Promise<never>): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'reconnecting' || client.status === 'end' || client.status === 'close') {
    throw new OnlineStoreUnavailableError('redis', client.status === 'reconnecting' ? 'not connected (reconnecting)' : 'connection closed');
  }
  let onReady: (() => void) | undefined;
  let onEnd: (() => void) | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve, reject) => {
        onReady = resolve;
        onEnd = () => reject(new OnlineStoreUnavailableError('redis', 'could not connect'));
        client.once('ready', onReady);
        client.once('close', onEnd);
      }),
      deadline,
    ]);
  } finally {
    if (onReady) client.off('ready', onReady);
    if (onEnd) client.off('close', onEnd);
  }
}

/** ioredis's and the socket's ways of saying the connection is not there. */
const CONNECTION_ERROR = /Command timed out|Stream isn't writeable|Connection is closed|max retries per request|connect ETIMEDOUT|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN/i;

/** Connection-level failures and "not now" replies as OnlineStoreUnavailableError; anything else (a bug) as it is. */
function asUnavailable(e: unknown): unknown {
  if (e instanceof OnlineStoreUnavailableError || !(e instanceof Error)) return e;
  if (e.name === 'ReplyError') return TRANSIENT_REPLY.test(e.message) ? new OnlineStoreUnavailableError('redis', e.message.split(' ', 1)[0]!, e) : e;
  const code = (e as { code?: unknown }).code;
  if (e.name === 'MaxRetriesPerRequestError' || CONNECTION_ERROR.test(e.message) || (typeof code === 'string' && CONNECTION_ERROR.test(code))) {
    return new OnlineStoreUnavailableError('redis', e.message, e);
  }
  return e;
}
