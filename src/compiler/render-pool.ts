import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RelationInfo, RenderOutcome, RendererOptions } from './jinja/types.js';
import type { RenderJob } from './render-jobs.js';

/** RendererOptions minus the callbacks: what can be posted to a worker thread. */
export type PlainRendererOptions = Omit<RendererOptions, 'relationFor' | 'queryRunner' | 'relationExists'>;

export interface WorkerRequest {
  readonly options: PlainRendererOptions;
  readonly relations: readonly (readonly [string, RelationInfo])[];
  readonly jobs: readonly RenderJob[];
}

const WORKER_FILE = fileURLToPath(new URL('./render-worker.js', import.meta.url));

/** Workers only exist in the built package (dist/); under a TS test runner we render inline. */
export function workersAvailable(): boolean {
  return existsSync(WORKER_FILE);
}

/**
 * Renders jobs on `threads` worker threads, each with its own renderer, preserving job order.
 * Used for cold compiles of large projects; Nunjucks rendering is CPU-bound and synchronous.
 */
export async function renderInWorkers(
  options: PlainRendererOptions,
  relations: readonly (readonly [string, RelationInfo])[],
  jobs: readonly RenderJob[],
  threads: number,
): Promise<RenderOutcome[]> {
  const n = Math.max(1, Math.min(threads, Math.ceil(jobs.length / 250)));
  const size = Math.ceil(jobs.length / n);
  const chunks = Array.from({ length: n }, (_, i) => jobs.slice(i * size, (i + 1) * size));
  const parts = await Promise.all(
    chunks.map(
      (chunk) =>
        new Promise<RenderOutcome[]>((resolve, reject) => {
          const w = new Worker(WORKER_FILE, { workerData: { options, relations, jobs: chunk } satisfies WorkerRequest });
          w.once('message', (m: RenderOutcome[]) => {
            resolve(m);
            void w.terminate();
          });
          w.once('error', reject);
          w.once('exit', (code) => {
            if (code !== 0 && code !== 1) reject(new Error(`render worker exited with code ${code}`));
          });
        }),
    ),
  );
  return parts.flat();
}
