/**
 * A FIFO async mutex: PGlite has one connection, so sessions and transactions must take turns.
 * `rejectPending` fails every waiter that has not started (used by `cancelAll`).
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private readonly waiting = new Set<(err: Error) => void>();

  /**
   * Runs `fn` after every previously queued task has settled.
   *
   * @example await queue.run(() => db.query('select 1'))
   */
  run<T>(fn: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    const previous = this.tail;
    this.tail = previous.then(() => done);
    return new Promise<T>((resolve, reject) => {
      let cancelled = false;
      const cancel = (err: Error): void => {
        cancelled = true;
        reject(err);
      };
      this.waiting.add(cancel);
      void previous.then(async () => {
        this.waiting.delete(cancel);
        if (cancelled) {
          release();
          return;
        }
        try {
          resolve(await fn());
        } catch (e) {
          reject(e as Error);
        } finally {
          release();
        }
      });
    });
  }

  /** Rejects every task still waiting for its turn; the running one is not interrupted. */
  rejectPending(err: Error): void {
    for (const cancel of [...this.waiting]) cancel(err);
    this.waiting.clear();
  }
}
