import { join } from 'node:path';
import type { Manifest } from '../compiler/types.js';
import type { FeatureRegistry } from '../features/types.js';
import { initSqlParser } from '../semantic/sql-parser.js';
import type { SemanticLayer } from '../semantic/types.js';
import { buildDocsData } from './build-docs-data.js';
import { readLineageCache, writeLineageCache } from './lineage-cache.js';
import { projectColumnLineage, type NodeColumnLineage } from './project-lineage.js';
import { fileChangeTimes, readProjectState } from './read-artifacts.js';
import { semanticId } from './semantic-details.js';
import { writeSite } from './write-site.js';

export interface GenerateDocsOptions {
  readonly root: string;
  /** Relative to root (the project's target-path). */
  readonly targetPath: string;
  readonly manifest: Manifest;
  /** Topological order of the manifest's nodes (parents first). */
  readonly order: readonly string[];
  readonly semantic?: SemanticLayer;
  readonly features?: FeatureRegistry;
  /** Default `<root>/<targetPath>/docs`. */
  readonly outDir?: string;
  /** Bundled site assets (default: the package's `dist/docs-site`). */
  readonly assetsDir?: string;
  /** Reuse lineage of unchanged models from `strata_lineage_cache.json` (default true). */
  readonly useCache?: boolean;
}

export interface GenerateDocsResult {
  readonly outDir: string;
  readonly nodes: number;
  readonly models: number;
  /** Models whose column lineage is complete / has unresolved columns / failed entirely. */
  readonly lineage: { readonly resolved: number; readonly partial: number; readonly failed: number; readonly reused: number };
  readonly files: number;
  readonly bytes: number;
  readonly ms: { readonly lineage: number; readonly write: number };
  /** Per model column lineage (also shown on model pages); `strata ls --output json` prints it. */
  readonly columnLineage: Readonly<Record<string, NodeColumnLineage>>;
}

/**
 * `strata docs generate`: column lineage for every model (cached by compiled SQL), the site data
 * and the static site in `target/docs/`.
 *
 * @example
 * const r = await generateDocs({ root, targetPath: 'target', manifest, order: graph.order });
 * // r.outDir: '<root>/target/docs' — open index.html from disk
 */
export async function generateDocs(o: GenerateDocsOptions): Promise<GenerateDocsResult> {
  const target = join(o.root, o.targetPath);
  const t0 = performance.now();
  await initSqlParser();
  const [state, cache] = await Promise.all([readProjectState(o.root, o.targetPath, o.manifest), o.useCache === false ? new Map() : readLineageCache(target)]);
  const before = new Map(cache);
  const lineage = projectColumnLineage(o.manifest, state.knownColumns, o.order, cache);
  let reused = 0;
  let resolved = 0;
  let partial = 0;
  let failed = 0;
  for (const [id, l] of Object.entries(lineage)) {
    if (before.get(id)?.result === l) reused++;
    if (l.error) failed++;
    else if (l.columns.some((c) => c.status !== 'resolved')) partial++;
    else resolved++;
  }
  // Rewrite the cache only when an entry changed or a node went away (a warm run reuses all).
  const ids = Object.keys(lineage);
  if (reused !== ids.length || before.size !== ids.length) await writeLineageCache(target, cache, new Set(ids));
  const t1 = performance.now();
  const project = o.manifest.metadata.project_name;
  const extraFiles: Record<string, string> = {};
  for (const m of Object.values(o.semantic?.models ?? {})) extraFiles[semanticId.model(project, m.name)] = m.loc.file;
  for (const m of Object.values(o.semantic?.metrics ?? {})) extraFiles[semanticId.metric(project, m.name)] = m.loc.file;
  for (const v of Object.values(o.features?.views ?? {})) extraFiles[semanticId.view(project, v.name)] = v.loc.file;
  for (const s of Object.values(o.features?.services ?? {})) extraFiles[semanticId.service(project, s.name)] = s.loc.file;
  const changedAt = fileChangeTimes(o.root, o.manifest, extraFiles);
  const data = buildDocsData({
    changedAt,
    manifest: o.manifest,
    lineage,
    artifacts: state.artifacts,
    ...(o.semantic ? { semantic: o.semantic } : {}),
    ...(o.features ? { features: o.features } : {}),
  });
  const outDir = o.outDir ?? join(target, 'docs');
  const written = writeSite(outDir, data, o.assetsDir);
  const t2 = performance.now();
  return {
    outDir,
    nodes: data.index.ids.length,
    models: data.index.counts.model ?? 0,
    lineage: { resolved, partial, failed, reused },
    files: written.files,
    bytes: written.bytes,
    ms: { lineage: Math.round(t1 - t0), write: Math.round(t2 - t1) },
    columnLineage: lineage,
  };
}
