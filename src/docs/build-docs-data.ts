import type { Manifest } from '../compiler/types.js';
import type { FeatureRegistry } from '../features/types.js';
import type { SemanticLayer } from '../semantic/types.js';
import type { DocsData, DocsDetail, DocsNodeType } from './docs-data.js';
import { exposureDetail, isLatestVersion, nodeDetail, sourceDetail, testsByNode, unitTestsByNode, type RunArtifacts } from './node-details.js';
import type { NodeColumnLineage } from './project-lineage.js';
import {
  featureServiceDetail,
  featureViewDetail,
  metricDetail,
  metricParents,
  semanticId,
  semanticModelDetail,
} from './semantic-details.js';

export interface DocsInput {
  readonly manifest: Manifest;
  /** Column lineage per model (`projectColumnLineage`). */
  readonly lineage?: Readonly<Record<string, NodeColumnLineage>>;
  readonly semantic?: SemanticLayer;
  readonly features?: FeatureRegistry;
  readonly artifacts?: RunArtifacts;
  /** Details per shard file (default 500). */
  readonly shardSize?: number;
  /** Fixed timestamp (tests); default now. */
  readonly generatedAt?: string;
}

const NODE_TYPES: ReadonlySet<string> = new Set(['model', 'seed', 'snapshot', 'analysis']);

/**
 * Assembles the site's data: one lineage graph of sources → seeds/snapshots/models → semantic
 * models → metrics → feature views → feature services, and exposures as end nodes (tests and
 * unit tests become facts on the pages they check, not nodes; versioned models are named
 * `name.vN`), with a details record per node.
 *
 * @example
 * const data = buildDocsData({ manifest, lineage: projectColumnLineage(manifest) });
 * data.index.names[data.index.parents[i][0]] // the first parent of node i
 */
export function buildDocsData(input: DocsInput): DocsData {
  const { manifest } = input;
  const project = manifest.metadata.project_name;
  const ids: string[] = [];
  const names: string[] = [];
  const types: DocsNodeType[] = [];
  const hints: string[] = [];
  const details: DocsDetail[] = [];
  const parentIds: (readonly string[])[] = [];
  const add = (type: DocsNodeType, hint: string, detail: DocsDetail, parents: readonly string[]): void => {
    ids.push(detail.id);
    names.push(detail.name);
    types.push(type);
    hints.push(hint);
    details.push(detail);
    parentIds.push(parents);
  };
  const tests = testsByNode(manifest);
  const unitTests = unitTestsByNode(manifest);
  const artifacts = input.artifacts ?? {};

  for (const s of Object.values(manifest.sources)) add('source', `source ${s.source_name}`, sourceDetail(s, tests, artifacts), []);
  for (const n of Object.values(manifest.nodes)) {
    if (!NODE_TYPES.has(n.resource_type)) continue;
    const hint = n.version === undefined || n.version === null ? n.original_file_path : `${n.original_file_path} · ${isLatestVersion(n) ? 'latest version' : `version ${String(n.version)}`}`;
    add(n.resource_type as DocsNodeType, hint, nodeDetail(n, input.lineage?.[n.unique_id], tests, artifacts, unitTests), n.depends_on.nodes);
  }
  const layer = input.semantic;
  if (layer) {
    for (const m of Object.values(layer.models)) add('semantic_model', 'semantic model', semanticModelDetail(project, m), m.dependsOn);
    for (const m of Object.values(layer.metrics)) add('metric', `metric (${m.type})`, metricDetail(project, layer, m), metricParents(project, m));
  }
  const reg = input.features;
  if (reg) {
    for (const v of Object.values(reg.views)) add('feature_view', `feature view of ${v.entity}`, featureViewDetail(project, v), v.dependsOn);
    for (const s of Object.values(reg.services)) {
      add('feature_service', 'feature service', featureServiceDetail(project, s, reg), [...new Set(s.features.map((f) => f.view))].map((v) => semanticId.view(project, v)));
    }
  }
  for (const e of Object.values(manifest.exposures ?? {})) add('exposure', `exposure (${e.type})`, exposureDetail(e), e.depends_on.nodes);

  const position = new Map(ids.map((id, i) => [id, i]));
  const parents = parentIds.map((ps) => {
    const out: number[] = [];
    for (const p of ps) {
      const i = position.get(p);
      if (i !== undefined && !out.includes(i)) out.push(i);
    }
    return out;
  });
  const counts: Partial<Record<DocsNodeType, number>> = {};
  for (const t of types) counts[t] = (counts[t] ?? 0) + 1;
  return {
    index: {
      project,
      generatedAt: input.generatedAt ?? new Date().toISOString(),
      ids,
      names,
      types,
      hints,
      parents,
      shardSize: input.shardSize ?? 500,
      counts,
    },
    details,
  };
}
