/**
 * A FIFO async mutex: PGlite has one connection, so sessions and transactions must take turns.
 * A waiter can give up (its signal aborts, its deadline passes): it leaves the queue at once and
 * rejects with the error its `onGiveUp` makes. `rejectPending` fails every waiter that has not
 * started (used by `cancelAll`).
 */

export interface WaitOptions {
  /** Aborting it while the task waits drops it from the queue. */
  readonly signal?: AbortSignal;
  /** Epoch ms after which a waiting task is dropped; undefined = wait as long as it takes. */
  readonly deadline?: number;
  /** The error a dropped task rejects with (`reason` says why). */
  readonly onGiveUp?: (reason: 'aborted' | 'deadline', ahead: number) => Error;
}

interface Waiter {
  readonly start: () => void;
  readonly drop: (err: Error) => void;
}

export class SerialQueue {
  private busy = false;
  private readonly waiters: Waiter[] = [];

  /** Tasks waiting for their turn (not counting the running one). */
  get waiting(): number {
    return this.waiters.length;
  }

  /** True while a task runs. */
  get running(): boolean {
    return this.busy;
  }

  /**
   * Runs `fn` after every previously queued task has settled (or given up).
   *
   * @example await queue.run(() => db.query('select 1'))
   * @example await queue.run(() => db.query('select 1'), { deadline: Date.now() + 500, onGiveUp: () => timeoutError() })
   */
  run<T>(fn: () => Promise<T>, opts: WaitOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const execute = (): void => {
        this.busy = true;
        let out: Promise<T>;
        try {
          out = fn();
        } catch (e) {
          out = Promise.reject(e as Error);
        }
        out.then(resolve, reject).finally(() => {
          this.busy = false;
          this.next();
        });
      };
      if (!this.busy && this.waiters.length === 0) {
        execute();
        return;
      }
      const giveUp = opts.onGiveUp ?? ((reason) => new Error(reason === 'aborted' ? 'aborted while waiting' : 'timed out while waiting'));
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        start: () => {
          cleanup();
          execute();
        },
        drop: (err) => {
          cleanup();
          reject(err);
        },
      };
      const leave = (reason: 'aborted' | 'deadline'): void => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        waiter.drop(giveUp(reason, i + (this.busy ? 1 : 0)));
      };
      const onAbort = (): void => leave('aborted');
      if (opts.signal?.aborted) {
        reject(giveUp('aborted', this.waiters.length + (this.busy ? 1 : 0)));
        return;
      }
      this.waiters.push(waiter);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.deadline !== undefined) {
        timer = setTimeout(() => leave('deadline'), Math.max(0, opts.deadline - Date.now()));
      }
    });
  }

  /** Rejects every task still waiting for its turn; the running one is not interrupted. */
  rejectPending(err: Error): void {
    for (const w of this.waiters.splice(0)) w.drop(err);
  }

  private next(): void {
    const w = this.waiters.shift();
    if (w) w.start();
  }
}
