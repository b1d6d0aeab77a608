import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { didYouMean, error } from '../diagnostics/index.js';
import type { DiagnosticBag } from '../diagnostics/index.js';
import { renderEnvVars } from './env-var.js';
import type { Env } from './env-var.js';
import { buildFolderTree } from './folder-config.js';
import type { ProjectConfig } from './types.js';
import { isRecord, required, parseYamlLocated, zodDiagnostics } from './yaml-located.js';

/** Project file names, in order of precedence. */
export const PROJECT_FILE_NAMES = ['strata_project.yml', 'dbt_project.yml'] as const;

/** Every top-level key of dbt_project.yml (plus Strata's `semantic-paths`); others get a warning. */
const KNOWN_KEYS = [
  'name', 'version', 'profile', 'config-version', 'require-dbt-version', 'model-paths', 'seed-paths',
  'snapshot-paths', 'macro-paths', 'test-paths', 'analysis-paths', 'docs-paths', 'asset-paths',
  'semantic-paths', 'target-path', 'log-path', 'packages-install-path', 'clean-targets', 'vars',
  'models', 'seeds', 'snapshots', 'tests', 'data_tests', 'sources', 'analyses', 'metrics',
  'semantic-models', 'saved-queries', 'exposures', 'unit_tests', 'on-run-start', 'on-run-end',
  'dispatch', 'query-comment', 'quoting', 'flags', 'restrict-access', 'dbt-cloud',
  // dbt < 1.0 names, still read so old projects load
  'source-paths', 'data-paths',
];

/** Top-level keys dbt does not render when reading the project file (hooks and vars). */
const LATE_RENDERED_KEYS = new Set(['vars', 'on-run-start', 'on-run-end', 'query-comment']);

const pathList = z.union([z.string(), z.array(z.string())]).optional();
const hookList = z.union([z.string(), z.array(z.string())]).nullable().optional();

const projectSchema = z.looseObject({
  name: z
    .string({ error: required('a project name is required') })
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a project name may contain only letters, digits and underscores, and must not start with a digit'),
  version: z.union([z.string(), z.number()]).optional(),
  profile: z.string().optional(),
  'config-version': z.number().optional(),
  'require-dbt-version': z.union([z.string(), z.array(z.string())]).optional(),
  'model-paths': pathList,
  'seed-paths': pathList,
  'snapshot-paths': pathList,
  'macro-paths': pathList,
  'test-paths': pathList,
  'analysis-paths': pathList,
  'docs-paths': pathList,
  'semantic-paths': pathList,
  'source-paths': pathList,
  'data-paths': pathList,
  'target-path': z.string().optional(),
  'clean-targets': z.array(z.string()).optional(),
  vars: z.record(z.string(), z.unknown()).nullable().optional(),
  'on-run-start': hookList,
  'on-run-end': hookList,
});

/**
 * Finds the project file in `dir`: `strata_project.yml`, else `dbt_project.yml`.
 * Returns undefined when neither exists.
 */
export async function findProjectFile(dir: string): Promise<{ file: string; kind: 'strata' | 'dbt'; text: string } | undefined> {
  for (const name of PROJECT_FILE_NAMES) {
    const file = path.join(dir, name);
    try {
      const text = await readFile(file, 'utf8');
      return { file, kind: name === 'strata_project.yml' ? 'strata' : 'dbt', text };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return undefined;
}

/**
 * Reads and validates the project file of `root`. Problems go to `bag`; returns undefined when the
 * file is missing or too broken to go on.
 *
 * @example
 * const cfg = await readProjectConfig('/abs/shop', process.env, bag);
 * cfg?.modelPaths // ['models']
 */
export async function readProjectConfig(root: string, env: Env, bag: DiagnosticBag): Promise<ProjectConfig | undefined> {
  const found = await findProjectFile(root);
  if (!found) {
    bag.add(
      error('project-not-found', `no strata_project.yml or dbt_project.yml in ${root}`, {
        hint: 'run `strata init <name>` to create a project, or pass --project-dir',
      }),
    );
    return undefined;
  }
  const rel = path.basename(found.file);
  const yaml = parseYamlLocated(found.text, rel);
  if (yaml.errors.length) {
    bag.addAll(yaml.errors);
    return undefined;
  }
  if (!isRecord(yaml.value)) {
    bag.add(error('project-invalid', `${rel} must be a mapping with at least 'name'`, { file: rel, line: 1, col: 1 }));
    return undefined;
  }
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(yaml.value)) {
    // dbt renders these later (at run time / when used), so neither do we (as dbt's renderer).
    raw[k] = LATE_RENDERED_KEYS.has(k) ? v : renderEnvVars(v, yaml, [k], env, bag);
  }
  for (const key of Object.keys(raw)) {
    if (KNOWN_KEYS.includes(key)) continue;
    const at = yaml.locate([key], { key: true });
    const hint = didYouMean(key, KNOWN_KEYS);
    bag.add({ code: 'config-unknown-key', severity: 'warning', message: `unknown key '${key}' in ${rel}`, ...at, ...(hint ? { hint } : {}) });
  }
  const parsed = projectSchema.safeParse(raw);
  if (!parsed.success) {
    bag.addAll(zodDiagnostics(parsed.error, yaml, [], 'project-invalid'));
    return undefined;
  }
  const p = parsed.data;
  const list = (v: string | string[] | undefined, dflt: string[]): string[] =>
    v === undefined ? dflt : (Array.isArray(v) ? v : [v]).map(normalizeDir);
  const modelPaths = list(p['model-paths'] ?? p['source-paths'], ['models']);
  const seedPaths = list(p['seed-paths'] ?? p['data-paths'], ['seeds']);
  const snapshotPaths = list(p['snapshot-paths'], ['snapshots']);
  const macroPaths = list(p['macro-paths'], ['macros']);
  const analysisPaths = list(p['analysis-paths'], ['analyses']);
  // dbt's default docs-paths: every resource path, so `{% docs %}` blocks in macros/ are found.
  const docsPaths = list(p['docs-paths'], [...new Set([...modelPaths, ...seedPaths, ...snapshotPaths, ...macroPaths, ...analysisPaths])]);
  const hooks = (v: string | string[] | null | undefined): string[] => (v == null ? [] : Array.isArray(v) ? v : [v]);
  return {
    file: found.file,
    kind: found.kind,
    name: p.name,
    ...(p.version !== undefined ? { version: String(p.version) } : {}),
    profile: p.profile ?? p.name,
    modelPaths,
    seedPaths,
    snapshotPaths,
    macroPaths,
    testPaths: list(p['test-paths'], ['tests']),
    analysisPaths,
    docsPaths,
    semanticPaths: list(p['semantic-paths'], ['semantic']),
    targetPath: normalizeDir(p['target-path'] ?? 'target'),
    vars: p.vars ?? {},
    models: buildFolderTree(raw.models, yaml, ['models'], bag),
    seeds: buildFolderTree(raw.seeds, yaml, ['seeds'], bag),
    snapshots: buildFolderTree(raw.snapshots, yaml, ['snapshots'], bag),
    tests: buildFolderTree(raw.data_tests ?? raw.tests, yaml, [raw.data_tests ? 'data_tests' : 'tests'], bag),
    onRunStart: hooks(p['on-run-start']),
    onRunEnd: hooks(p['on-run-end']),
    raw,
  };
}

/** 'models/' and './models' both mean 'models'; posix separators. */
function normalizeDir(p: string): string {
  const s = p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
  return s === '' ? '.' : s;
}
