import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { error, type Diagnostic } from '../diagnostics/index.js';

/** Where `result:` and `source_status:` read their artifacts. */
export interface StateArtifactDirs {
  /** `--state DIR` as the user gave it (the previous run's target/). */
  readonly stateDir?: string;
  /** The current target/ directory (absolute), for the current sources.json. */
  readonly targetDir?: string;
}

/** The statuses and freshness results a selection reads, each file read at most once. */
export interface StateArtifacts {
  /** unique_id → status of `<state>/run_results.json`; a diagnostic when it cannot be read. */
  runResults(): ReadonlyMap<string, string> | Diagnostic;
  /** unique_id → max_loaded_at (epoch ms, null for a runtime error) of `<dir>/sources.json`. */
  sources(which: 'state' | 'current'): ReadonlyMap<string, number | null> | Diagnostic;
}

/** The parts of run_results.json / sources.json that selection and retry read. */
export interface JsonResults {
  readonly results?: readonly { readonly unique_id?: unknown; readonly status?: unknown; readonly max_loaded_at?: unknown }[];
  readonly args?: Readonly<Record<string, unknown>>;
}

/**
 * Reads a JSON artifact with a `results` list (run_results.json, sources.json).
 *
 * @example readResults('prod-target', 'run_results.json', 'result:error') // { results: [...] } | Diagnostic
 */
export function readResults(dir: string, file: string, usedBy: string, hint?: string): JsonResults | Diagnostic {
  const path = join(dir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return error('state-invalid', `'${usedBy}' needs ${path}, which does not exist`, {
      hint: hint ?? (file === 'sources.json' ? 'run `strata source freshness` first (it writes target/sources.json)' : 'point --state at the target/ directory of a previous run, build, seed, snapshot or test'),
    });
  }
  try {
    const body = JSON.parse(text) as JsonResults;
    if (!body || !Array.isArray(body.results)) throw new Error('no results list');
    return body;
  } catch (e) {
    return error('state-invalid', `${path} is not a valid ${file}: ${(e as Error).message}`, { hint: 'run the command again to rewrite it' });
  }
}

/**
 * Lazily reads the run/freshness artifacts of `--state` (and of the current target).
 *
 * @example stateArtifacts({ stateDir: 'prod-target' }).runResults() // Map { 'model.shop.orders' => 'error' }
 */
export function stateArtifacts(dirs: StateArtifactDirs): StateArtifacts {
  let results: ReadonlyMap<string, string> | Diagnostic | undefined;
  const sources: Partial<Record<'state' | 'current', ReadonlyMap<string, number | null> | Diagnostic>> = {};
  const missingState = (usedBy: string): Diagnostic =>
    error('state-invalid', `selector '${usedBy}' needs the artifacts of a previous run`, { hint: 'pass --state <the target/ directory of a previous run>' });
  return {
    runResults() {
      if (results) return results;
      if (!dirs.stateDir) return (results = missingState('result:'));
      const body = readResults(dirs.stateDir, 'run_results.json', 'result:');
      if ('code' in body) return (results = body);
      const m = new Map<string, string>();
      for (const r of body.results ?? []) if (typeof r.unique_id === 'string' && typeof r.status === 'string') m.set(r.unique_id, r.status);
      return (results = m);
    },
    sources(which) {
      const cached = sources[which];
      if (cached) return cached;
      const dir = which === 'state' ? dirs.stateDir : dirs.targetDir;
      if (!dir) return (sources[which] = missingState('source_status:'));
      const body = readResults(dir, 'sources.json', 'source_status:');
      if ('code' in body) return (sources[which] = body);
      const m = new Map<string, number | null>();
      for (const r of body.results ?? []) {
        if (typeof r.unique_id !== 'string') continue;
        m.set(r.unique_id, typeof r.max_loaded_at === 'string' ? timestamp(r.max_loaded_at) : null);
      }
      return (sources[which] = m);
    },
  };
}

/** '2024-05-01 10:00:00.5+00' (PostgreSQL text) or ISO 8601 → epoch ms (null when unreadable). */
function timestamp(s: string): number | null {
  const iso = s.trim().replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}
