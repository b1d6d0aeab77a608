/**
 * The project's feature registry: loaded against the compiled manifest (so `ref('x')` resolves
 * to the model's relation and becomes lineage) and kept in `target/feature_registry.json`
 * together with the saved training sets (their imputation and profiles), which later compiles
 * preserve.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Manifest } from '../compiler/types.js';
import { CompileError, error, type Diagnostic } from '../diagnostics/index.js';
import type { ProjectFiles } from '../project/types.js';
import { FEATURE_KEYS, loadFeatureRegistry, type FeatureYamlSource } from './load.js';
import { nullRecord, own, toNullRecord } from '../shared/records.js';
import type { FeatureRegistry, TrainingSetRecord } from './types.js';

export const REGISTRY_FILE = 'feature_registry.json';

/** YAML files of the project that declare feature keys. */
export function featureFiles(files: ProjectFiles): string[] {
  return files.schemaFiles.filter((f) => FEATURE_KEYS.some((k) => f.other[k] !== undefined)).map((f) => f.path);
}

/**
 * Loads the feature registry of a compiled project (no registry and no diagnostics when the
 * project declares no features).
 *
 * @example const { registry } = await loadProjectFeatures(files, compiled.manifest)
 * // registry.views.customer_features.dependsOn // ['model.shop.customer_daily']
 */
export async function loadProjectFeatures(files: ProjectFiles, manifest: Manifest): Promise<{ registry?: FeatureRegistry; diagnostics: Diagnostic[] }> {
  const paths = featureFiles(files);
  if (paths.length === 0) return { diagnostics: [] };
  const sources: FeatureYamlSource[] = await Promise.all(paths.map(async (file) => ({ file, text: await readFile(join(files.root, file), 'utf8') })));
  const byName = new Map<string, { relation: string; uniqueId: string }>();
  for (const n of Object.values(manifest.nodes)) {
    if ((n.resource_type === 'model' || n.resource_type === 'seed' || n.resource_type === 'snapshot') && n.relation_name) {
      byName.set(n.name, { relation: n.relation_name, uniqueId: n.unique_id });
    }
  }
  return loadFeatureRegistry(sources, {
    namespace: `${files.config.name}.${files.target.schema}`,
    resolveRef: (name) => byName.get(name),
    refNames: [...byName.keys()],
  });
}

/** Path of the registry file for a project. */
export function registryPath(files: Pick<ProjectFiles, 'root' | 'config'>): string {
  return join(files.root, files.config.targetPath, REGISTRY_FILE);
}

/**
 * Reads a registry file (the server loads this at start-up).
 *
 * @example const registry = await readFeatureRegistry('/p/target/feature_registry.json')
 */
export async function readFeatureRegistry(path: string): Promise<FeatureRegistry | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  // A damaged file must not be silently replaced: it holds saved training sets and their
  // imputation values, which online serving needs.
  try {
    const j = JSON.parse(text) as FeatureRegistry & { metadata?: unknown };
    // Prototype-free records, as loadFeatureRegistry makes them (see records.ts).
    return { namespace: j.namespace, entities: toNullRecord(j.entities), views: toNullRecord(j.views), services: toNullRecord(j.services), trainingSets: toNullRecord(j.trainingSets) };
  } catch (e) {
    throw new CompileError([
      error('feature-invalid', `the feature registry ${path} is not valid JSON (${(e as Error).message})`, {
        file: path,
        hint: 'restore it from version control or a backup; deleting it loses the saved training sets',
      }),
    ]);
  }
}

/**
 * Writes the registry, keeping training sets and `created` times from the previous file.
 * Returns the registry as written (with training sets), for the caller to use.
 */
export async function writeFeatureRegistry(path: string, registry: FeatureRegistry, add?: TrainingSetRecord): Promise<FeatureRegistry> {
  const prev = await readFeatureRegistry(path);
  const now = new Date().toISOString();
  const views = nullRecord(Object.entries(registry.views).map(([k, v]) => [k, { ...v, created: v.created ?? own(prev?.views, k)?.created ?? now }] as const));
  const trainingSets = nullRecord([...Object.entries(prev?.trainingSets ?? {}), ...Object.entries(registry.trainingSets), ...(add ? [[add.name, add] as const] : [])]);
  const out: FeatureRegistry = { ...registry, entities: toNullRecord(registry.entities), services: toNullRecord(registry.services), views, trainingSets };
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ metadata: { strata_version: '0.1.0', generated_at: now }, ...out }, null, 1));
  await rename(tmp, path);
  return out;
}
