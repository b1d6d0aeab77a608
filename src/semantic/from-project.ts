import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from '../compiler/types.js';
import type { Diagnostic } from '../diagnostics/index.js';
import type { ProjectFiles } from '../project/types.js';
import { loadSemanticLayer, SEMANTIC_KEYS, type SemanticSource } from './load.js';
import { initSqlParser } from './sql-parser.js';
import type { SemanticLayer } from './types.js';

/** YAML files of the project that declare semantic-layer keys. */
export function semanticFiles(files: ProjectFiles): string[] {
  return files.schemaFiles
    .filter((f) => SEMANTIC_KEYS.some((k) => f.other[k] !== undefined))
    .map((f) => f.path);
}

/**
 * Loads the project's semantic layer against a compiled manifest: `ref('x')` resolves to the
 * model's relation, so semantic models depend on models (lineage) and a typo is a located error.
 * Resolves to no layer (and no diagnostics) when the project has no semantic files.
 */
export async function loadProjectSemantics(
  files: ProjectFiles,
  manifest: Manifest,
): Promise<{ layer?: SemanticLayer; diagnostics: Diagnostic[] }> {
  const paths = semanticFiles(files);
  if (paths.length === 0) return { diagnostics: [] };
  await initSqlParser();
  const sources: SemanticSource[] = await Promise.all(
    paths.map(async (file) => ({ file, text: await readFile(join(files.root, file), 'utf8') })),
  );
  const byName = new Map<string, { relation: string; uniqueId: string }>();
  for (const n of Object.values(manifest.nodes)) {
    if ((n.resource_type === 'model' || n.resource_type === 'seed' || n.resource_type === 'snapshot') && n.relation_name) {
      byName.set(n.name, { relation: n.relation_name, uniqueId: n.unique_id });
    }
  }
  return loadSemanticLayer(sources, { resolveRef: (name) => byName.get(name), refNames: [...byName.keys()] });
}

/**
 * `target/semantic_manifest.json`: the validated layer, with each semantic model's and metric's
 * upstream models (lineage from models to metrics).
 */
export function semanticManifest(layer: SemanticLayer): Record<string, unknown> {
  const metricModels = (name: string): string[] => semanticModelsOfMetric(layer, name);
  return {
    metadata: { strata_version: '0.1.0', generated_at: new Date().toISOString() },
    semantic_models: Object.values(layer.models).map((m) => ({
      name: m.name,
      description: m.description,
      relation: m.from,
      primary_key: m.primaryKey,
      depends_on: { nodes: m.dependsOn },
      joins: m.joins.map((j) => ({ to: j.to, relationship: j.relationship, on: j.on })),
      dimensions: Object.values(m.dimensions).map((d) => ({ name: d.name, type: d.type, expr: d.expr, granularities: d.granularities, description: d.description })),
      measures: Object.values(m.measures).map((x) => ({
        name: x.name,
        agg: x.agg,
        expr: x.expr,
        description: x.description,
        agg_time_dimension: x.aggTime ?? null,
        ...(x.nonAdditive ? { non_additive_dimension: { name: x.nonAdditive.dimension, window_choice: x.nonAdditive.windowChoice, window_groupings: x.nonAdditive.windowGroupings } } : {}),
        ...(x.percentile ? { percentile: x.percentile.fraction, discrete: x.percentile.discrete } : {}),
      })),
      segments: Object.keys(m.segments),
      format: m.format ?? 'strata',
      ...(m.entities ? { entities: Object.entries(m.entities).map(([name, e]) => ({ name, type: e.type, expr: e.expr })), primary_entity: m.primaryEntity ?? null } : {}),
      file: m.loc.file,
    })),
    metrics: Object.values(layer.metrics).map((m) => ({
      ...m,
      depends_on: { semantic_models: metricModels(m.name), nodes: [...new Set(metricModels(m.name).flatMap((x) => layer.models[x]?.dependsOn ?? []))] },
      file: m.loc.file,
    })),
    hierarchies: Object.values(layer.hierarchies).map((h) => ({ name: h.name, levels: h.levels })),
    saved_queries: Object.values(layer.savedQueries ?? {}).map((q) => ({ name: q.name, description: q.description, metrics: q.metrics, dimensions: q.dimensions, filters: q.filters, file: q.loc.file })),
    access: layer.access
      ? { default_role: layer.access.defaultRole, roles: Object.values(layer.access.roles).map((r) => ({ name: r.name, row_filter: r.rowFilter, hide: r.hide })) }
      : null,
  };
}

/**
 * Semantic models a metric's values come from, following ratio/derived metrics.
 *
 * @example semanticModelsOfMetric(layer, 'avg_order_value') // ['sales']
 */
export function semanticModelsOfMetric(layer: SemanticLayer, name: string, seen = new Set<string>()): string[] {
  const m = layer.metrics[name];
  if (!m || seen.has(name)) return [];
  seen.add(name);
  switch (m.type) {
    case 'simple':
    case 'cumulative':
      return [m.measure.model];
    case 'conversion':
      return [m.base.model, m.conversion.model];
    case 'ratio':
      return [...new Set([...semanticModelsOfMetric(layer, m.numerator, seen), ...semanticModelsOfMetric(layer, m.denominator, seen)])];
    case 'derived':
      return [...new Set(m.metrics.flatMap((x) => semanticModelsOfMetric(layer, x, seen)))];
  }
}
