// Worker-thread entry: renders a chunk of jobs with its own renderer and posts the outcomes back.
import { parentPort, workerData } from 'node:worker_threads';
import { createRenderer } from './jinja/index.js';
import type { RenderOutcome } from './jinja/types.js';
import type { WorkerRequest } from './render-pool.js';
import { renderJobs } from './render-jobs.js';

const req = workerData as WorkerRequest;
const relations = new Map(req.relations);
const renderer = createRenderer({
  ...req.options,
  relationFor: (kind, a, b) => relations.get(kind === 'ref' ? `ref:${b ?? a}` : `src:${a}.${b}`),
});
const out: RenderOutcome[] = renderJobs(req.jobs, () => renderer);
parentPort!.postMessage(out);
