import type { ManifestNode } from '../compiler/types.js';
import type { NodeResult } from '../executor/index.js';
import type { Reporter } from './reporter.js';

const LABEL: Record<string, string> = {
  success: 'OK',
  pass: 'PASS',
  warn: 'WARN',
  fail: 'FAIL',
  error: 'ERROR',
  skipped: 'SKIP',
};

/**
 * When this invocation started on performance.now()'s clock: 0 (process start) for the binary,
 * the call time for an in-process `main()` (tests). "Done in" counts from here.
 */
export const invocation = { startedAt: 0 };

/** Seconds since the invocation started: the wall clock a user sees. */
export function wallSeconds(): number {
  return (performance.now() - invocation.startedAt) / 1000;
}

/** A node still running after this long gets a start line (on a TTY: its elapsed time, live). */
export const LONG_NODE_MS = 2000;

/**
 * Progress of a run: one line per finished node (status, time), a start line for a node that
 * runs longer than LONG_NODE_MS; on a TTY also a live status line (done/total, running nodes
 * with their elapsed time, redrawn every second); with --log-format json one event per node.
 */
export class RunProgress {
  private readonly started = performance.now();
  /** Running node name → when it started. */
  private readonly running = new Map<string, number>();
  private readonly slow = new Map<string, NodeJS.Timeout>();
  private readonly live: boolean;
  private ticker: NodeJS.Timeout | undefined;
  private done = 0;

  constructor(
    private readonly reporter: Reporter,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stdout,
  ) {
    this.live = reporter.format === 'text' && Boolean(stream.isTTY);
  }

  start(node: ManifestNode): void {
    this.running.set(node.name, performance.now());
    if (this.reporter.format === 'json') this.reporter.event('node_start', { unique_id: node.unique_id });
    else this.reporter.log('info', 'node_start', { unique_id: node.unique_id });
    if (this.reporter.format === 'text' && !this.live) {
      const t = setTimeout(() => {
        this.slow.delete(node.unique_id);
        this.reporter.info(`${' '.repeat(String(this.total).length)}    START ${node.resource_type} ${node.name} (running for ${LONG_NODE_MS / 1000}s…)`);
      }, LONG_NODE_MS);
      t.unref();
      this.slow.set(node.unique_id, t);
    } else if (!this.ticker) {
      this.ticker = setInterval(() => this.redraw(), 1000);
      this.ticker.unref();
    }
    this.redraw();
  }

  finish(node: ManifestNode, r: NodeResult, done: number): void {
    this.running.delete(node.name);
    this.done = done;
    const t = this.slow.get(node.unique_id);
    if (t) clearTimeout(t);
    this.slow.delete(node.unique_id);
    if (this.reporter.format === 'json') {
      this.reporter.event('node_finish', {
        unique_id: r.id,
        status: r.status,
        execution_time: r.executionTime,
        message: r.message ?? null,
        rows_affected: r.rowsAffected ?? null,
        done,
        total: this.total,
      });
      return;
    }
    const what = `${node.resource_type} ${node.name}`;
    const msg = r.message ? ` ${r.message}` : '';
    const line = `${String(done).padStart(String(this.total).length)} of ${this.total} ${(LABEL[r.status] ?? r.status).padEnd(5)} ${what}${msg} [${r.executionTime.toFixed(2)}s]`;
    if (this.live) this.stream.write('\r\x1b[2K');
    this.reporter.info(line, { event: 'node_finish', unique_id: r.id, status: r.status, execution_time: r.executionTime });
    this.redraw(done);
  }

  waiting(schema: string): void {
    this.reporter.info(`Waiting for the run lock on schema "${schema}": another strata run is building it`, { schema });
  }

  end(): void {
    for (const t of this.slow.values()) clearTimeout(t);
    this.slow.clear();
    if (this.ticker) clearInterval(this.ticker);
    if (this.live) this.stream.write('\r\x1b[2K');
  }

  private redraw(done?: number): void {
    if (!this.live) return;
    const now = performance.now();
    const secs = ((now - this.started) / 1000).toFixed(1);
    const names = [...this.running]
      .slice(0, 4)
      .map(([name, at]) => (now - at >= LONG_NODE_MS ? `${name} (${((now - at) / 1000).toFixed(0)}s)` : name))
      .join(', ') + (this.running.size > 4 ? ', …' : '');
    this.stream.write(`\r\x1b[2K[${done ?? this.done}/${this.total}] ${secs}s running: ${names}`);
  }
}
