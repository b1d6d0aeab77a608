// Worker-thread entry: renders a chunk of jobs with its own renderer and posts the outcomes back.
import { parentPort, workerData } from 'node:worker_threads';
import { createRenderer } from './jinja/index.js';
import type { RenderOutcome } from './jinja/types.js';
import type { WorkerRequest } from './render-pool.js';
import { relationInfoLookup, renderJobs } from './render-jobs.js';

const req = workerData as WorkerRequest;
const relations = new Map(req.relations);
const renderer = createRenderer({
  ...req.options,
  relationFor: relationInfoLookup(relations),
});
const out: RenderOutcome[] = renderJobs(req.jobs, () => renderer);
parentPort!.postMessage(out);
