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
 * Progress of a run: one line per finished node (status, time); on a TTY also a live status
 * line (done/total, running nodes, elapsed); with --log-format json one event per node.
 */
export class RunProgress {
  private readonly started = performance.now();
  private readonly running = new Set<string>();
  private readonly live: boolean;

  constructor(
    private readonly reporter: Reporter,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stdout,
  ) {
    this.live = reporter.format === 'text' && Boolean(stream.isTTY);
  }

  start(node: ManifestNode): void {
    this.running.add(node.name);
    if (this.reporter.format === 'json') this.reporter.event('node_start', { unique_id: node.unique_id });
    this.redraw();
  }

  finish(node: ManifestNode, r: NodeResult, done: number): void {
    this.running.delete(node.name);
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
    this.reporter.info(line);
    this.redraw(done);
  }

  waiting(schema: string): void {
    this.reporter.info(`Waiting for the run lock on schema "${schema}": another strata run is building it`, { schema });
  }

  end(): void {
    if (this.live) this.stream.write('\r\x1b[2K');
  }

  private redraw(done?: number): void {
    if (!this.live) return;
    const secs = ((performance.now() - this.started) / 1000).toFixed(1);
    const names = [...this.running].slice(0, 4).join(', ') + (this.running.size > 4 ? ', …' : '');
    this.stream.write(`\r\x1b[2K[${done ?? '…'}/${this.total}] ${secs}s running: ${names}`);
  }
}
