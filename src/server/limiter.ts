import { ApiError } from './api-error.js';

export interface LimitOptions {
  /** Database queries running at once, all roles together; never more than the pool holds. */
  readonly maxConcurrent: number;
  /** Per role, so one role's slow queries cannot take every connection. */
  readonly maxPerRole: number;
  /** Requests waiting for a slot, all roles together (past it: 503 at once). Default 8 × maxConcurrent. */
  readonly maxQueued?: number;
  /** Requests of one role waiting (past it: 429 at once). Default maxQueued / 2. */
  readonly maxQueuedPerRole?: number;
  /** How long a request may wait for a slot (past it: 503 with Retry-After). Default 5 s. */
  readonly queueTimeoutMs?: number;
}

interface Waiter {
  readonly role: string;
  readonly grant: (release: () => void) => void;
  readonly fail: (e: Error) => void;
  done: boolean;
}

/**
 * Admission control for database queries: at most `maxConcurrent` run (the pool's size, so an
 * admitted query never waits for a connection behind another role's), at most `maxPerRole` per
 * role. Others wait in per-role queues served round-robin, so a role flooding slow queries
 * delays only itself: another role's request takes the next free slot. Waiting is bounded by
 * `queueTimeoutMs` and by the queue's size; an aborted request leaves the queue at once.
 *
 * @example
 * const release = await limiter.acquire('sales', req.signal); // ApiError 429/503 when full or timed out
 * try { await adapter.query(sql, params) } finally { release() }
 */
export class ConcurrencyLimiter {
  private running = 0;
  private queued = 0;
  private readonly perRole = new Map<string, number>();
  private readonly queues = new Map<string, Waiter[]>();
  /** Roles with waiters, in the order they are served next. */
  private readonly turn: string[] = [];
  private readonly maxQueued: number;
  private readonly maxQueuedPerRole: number;
  private readonly queueTimeoutMs: number;

  constructor(private readonly opts: LimitOptions) {
    this.maxQueued = opts.maxQueued ?? opts.maxConcurrent * 8;
    this.maxQueuedPerRole = opts.maxQueuedPerRole ?? Math.max(1, Math.floor(this.maxQueued / 2));
    this.queueTimeoutMs = opts.queueTimeoutMs ?? 5_000;
  }

  get limits(): Required<LimitOptions> {
    return { ...this.opts, maxQueued: this.maxQueued, maxQueuedPerRole: this.maxQueuedPerRole, queueTimeoutMs: this.queueTimeoutMs };
  }

  acquire(role: string, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(clientClosed());
    if (this.canRun(role) && !this.queues.has(role)) return Promise.resolve(this.start(role));
    const mine = this.queues.get(role)?.length ?? 0;
    if (mine >= this.maxQueuedPerRole) {
      return Promise.reject(new ApiError(429, 'too_many_requests', `role '${role}' already has ${(this.perRole.get(role) ?? 0) + mine} queries running or waiting; retry shortly`));
    }
    if (this.queued >= this.maxQueued) {
      return Promise.reject(new ApiError(503, 'overloaded', `the server has ${this.queued} queries waiting; retry shortly`));
    }
    return new Promise<() => void>((resolve, reject) => {
      const w: Waiter = {
        role,
        done: false,
        grant: (release) => {
          cleanup();
          resolve(release);
        },
        fail: (e) => {
          cleanup();
          reject(e);
        },
      };
      const timer = setTimeout(() => this.drop(w, new ApiError(503, 'queue_timeout', `waited ${this.queueTimeoutMs} ms for a free database connection; retry shortly`)), this.queueTimeoutMs);
      const onAbort = (): void => this.drop(w, clientClosed());
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let q = this.queues.get(role);
      if (!q) {
        this.queues.set(role, (q = []));
        this.turn.push(role);
      }
      q.push(w);
      this.queued++;
    });
  }

  /** Queries running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Requests waiting for a slot now. */
  get waiting(): number {
    return this.queued;
  }

  /** True when the next request would be refused for a full queue. */
  get saturated(): boolean {
    return this.queued >= this.maxQueued;
  }

  private canRun(role: string): boolean {
    return this.running < this.opts.maxConcurrent && (this.perRole.get(role) ?? 0) < this.opts.maxPerRole;
  }

  private start(role: string): () => void {
    this.running++;
    this.perRole.set(role, (this.perRole.get(role) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      const n = (this.perRole.get(role) ?? 1) - 1;
      if (n <= 0) this.perRole.delete(role);
      else this.perRole.set(role, n);
      this.dispatch();
    };
  }

  /** Hands free slots to waiting roles, one request per role in turn. */
  private dispatch(): void {
    let scanned = 0;
    while (this.running < this.opts.maxConcurrent && this.turn.length > 0 && scanned < this.turn.length) {
      const role = this.turn.shift()!;
      const q = this.queues.get(role)!;
      if (!this.canRun(role)) {
        this.turn.push(role);
        scanned++;
        continue;
      }
      scanned = 0;
      const w = q.shift()!;
      this.queued--;
      w.done = true;
      if (q.length > 0) this.turn.push(role);
      else this.queues.delete(role);
      w.grant(this.start(role));
    }
  }

  private drop(w: Waiter, e: Error): void {
    if (w.done) return;
    w.done = true;
    const q = this.queues.get(w.role);
    const i = q ? q.indexOf(w) : -1;
    if (q && i >= 0) {
      q.splice(i, 1);
      this.queued--;
      if (q.length === 0) {
        this.queues.delete(w.role);
        const t = this.turn.indexOf(w.role);
        if (t >= 0) this.turn.splice(t, 1);
      }
    }
    w.fail(e);
  }
}

/** The error for a request whose client went away (never sent: nobody listens). */
export function clientClosed(): ApiError {
  return new ApiError(499, 'client_closed', 'the client closed the request');
}
