import { ApiError } from './api-error.js';

export interface LimitOptions {
  /** Database queries running at once, all roles together (past it: 503). */
  readonly maxConcurrent: number;
  /** Per role (past it: 429). */
  readonly maxPerRole: number;
}

/**
 * Admission control for database queries: never queues. Past the per-role limit the caller gets
 * 429, past the overall limit 503 — at once, so an overloaded server sheds load instead of
 * building an unbounded backlog of requests that time out anyway.
 *
 * @example
 * const release = limiter.acquire('sales'); // throws ApiError(429|503) when full
 * try { await adapter.query(sql, params) } finally { release() }
 */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly perRole = new Map<string, number>();

  constructor(private readonly opts: LimitOptions) {}

  acquire(role: string): () => void {
    const mine = this.perRole.get(role) ?? 0;
    if (mine >= this.opts.maxPerRole) {
      throw new ApiError(429, 'too_many_requests', `role '${role}' already has ${mine} queries running; retry shortly`);
    }
    if (this.running >= this.opts.maxConcurrent) {
      throw new ApiError(503, 'overloaded', `the server is running ${this.running} queries; retry shortly`);
    }
    this.running++;
    this.perRole.set(role, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      const n = (this.perRole.get(role) ?? 1) - 1;
      if (n <= 0) this.perRole.delete(role);
      else this.perRole.set(role, n);
    };
  }

  get inFlight(): number {
    return this.running;
  }
}
