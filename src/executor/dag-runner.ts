/**
 * The one generic ready-queue DAG runner: a node starts as soon as all its
 * selected parents succeeded, at most `threads` at a time; a failure skips only its
 * descendants; `failFast` stops scheduling and aborts running work.
 */

export type NodeStatus = 'success' | 'error' | 'fail' | 'warn' | 'skipped' | 'pass';

export interface NodeOutcome {
  readonly status: NodeStatus;
  readonly message?: string;
  readonly rowsAffected?: number | null;
  /** Free-form extra data for artifacts (executed SQL, failures count, ...). */
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface NodeResult extends NodeOutcome {
  readonly id: string;
  /** Seconds, as dbt's run_results.json reports them. */
  readonly executionTime: number;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
}

export interface DagRunnerEvents {
  onStart?(id: string, running: readonly string[]): void;
  onFinish?(result: NodeResult, done: number, total: number): void;
}

export interface DagRunOptions {
  /** Node ids to run, any order. */
  readonly ids: readonly string[];
  /** Parents of each node (ids outside `ids` are ignored: they are assumed to exist). */
  readonly parents: (id: string) => readonly string[];
  readonly threads: number;
  readonly failFast?: boolean;
  /** Aborting stops scheduling; running nodes receive the signal. */
  readonly signal?: AbortSignal;
  /** Statuses that let descendants run (default success, pass, warn). */
  readonly okStatuses?: readonly NodeStatus[];
  /** Order in which ready nodes are started (default: order of `ids`). */
  readonly priority?: (id: string) => number;
  readonly runNode: (id: string, signal: AbortSignal) => Promise<NodeOutcome>;
  readonly events?: DagRunnerEvents;
}

/**
 * Runs the DAG; resolves with one result per id (in completion order) once everything has
 * finished or been skipped. Never rejects for node failures: a throwing `runNode` is an error
 * result.
 *
 * @example
 * await runDag({ ids: ['a', 'b'], parents: (id) => (id === 'b' ? ['a'] : []), threads: 4,
 *   runNode: async (id) => ({ status: 'success' }) });
 */
export async function runDag(opts: DagRunOptions): Promise<NodeResult[]> {
  const ok = new Set<NodeStatus>(opts.okStatuses ?? ['success', 'pass', 'warn']);
  const selected = new Set(opts.ids);
  const order = new Map(opts.ids.map((id, i) => [id, opts.priority ? opts.priority(id) : i]));
  const waiting = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const id of opts.ids) {
    const ps = [...new Set(opts.parents(id))].filter((p) => selected.has(p) && p !== id);
    waiting.set(id, ps.length);
    for (const p of ps) {
      const c = children.get(p);
      if (c) c.push(id);
      else children.set(p, [id]);
    }
  }
  const ready: string[] = opts.ids.filter((id) => waiting.get(id) === 0);
  const results: NodeResult[] = [];
  const finished = new Set<string>();
  const running = new Set<string>();
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let stopped = false;
  const total = opts.ids.length;

  return await new Promise<NodeResult[]>((resolve) => {
    const finish = (r: NodeResult): void => {
      finished.add(r.id);
      results.push(r);
      opts.events?.onFinish?.(r, results.length, total);
    };
    const skipDescendants = (id: string, why: string): void => {
      const stack = [...(children.get(id) ?? [])];
      while (stack.length) {
        const c = stack.pop()!;
        if (finished.has(c) || running.has(c)) continue;
        finish({ id: c, status: 'skipped', message: why, executionTime: 0, startedAt: null, completedAt: null });
        stack.push(...(children.get(c) ?? []));
      }
    };
    const pump = (): void => {
      if (stopped || controller.signal.aborted) {
        stopped = true;
        // Nothing new starts; everything not yet started is skipped.
        for (const id of opts.ids) {
          if (!finished.has(id) && !running.has(id)) {
            finish({ id, status: 'skipped', message: 'run stopped', executionTime: 0, startedAt: null, completedAt: null });
          }
        }
        ready.length = 0;
      }
      if (ready.length > 1) ready.sort((a, b) => order.get(a)! - order.get(b)!);
      while (!stopped && running.size < opts.threads && ready.length) {
        const id = ready.shift()!;
        if (finished.has(id)) continue;
        start(id);
      }
      if (running.size === 0 && results.length === total) {
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(results);
      }
    };
    const start = (id: string): void => {
      running.add(id);
      opts.events?.onStart?.(id, [...running]);
      const started = Date.now();
      const startedAt = new Date(started).toISOString();
      let p: Promise<NodeOutcome>;
      try {
        p = opts.runNode(id, controller.signal);
      } catch (e) {
        p = Promise.reject(e);
      }
      p.catch((e: unknown): NodeOutcome => ({ status: 'error', message: e instanceof Error ? e.message : String(e) })).then(
        (outcome) => {
          running.delete(id);
          const completed = Date.now();
          finish({
            ...outcome,
            id,
            executionTime: (completed - started) / 1000,
            startedAt,
            completedAt: new Date(completed).toISOString(),
          });
          if (ok.has(outcome.status)) {
            for (const c of children.get(id) ?? []) {
              const n = waiting.get(c)! - 1;
              waiting.set(c, n);
              if (n === 0 && !finished.has(c)) ready.push(c);
            }
          } else {
            skipDescendants(id, `skipped: upstream ${id} ${outcome.status === 'skipped' ? 'was skipped' : 'failed'}`);
            if (opts.failFast && (outcome.status === 'error' || outcome.status === 'fail')) {
              stopped = true;
              controller.abort(new Error(`--fail-fast: ${id} failed`));
            }
          }
          pump();
        },
      );
    };
    pump();
  });
}
