import type { FeatureRegistry, FeatureService, FeatureView } from '../features/types.js';
import type { Metric, SemanticLayer, SemanticModel } from '../semantic/types.js';
import { semanticModelsOfMetric } from '../semantic/from-project.js';
import type { FeatureServiceDetail, FeatureViewDetail, MetricDetail, SemanticModelDetail } from './docs-data.js';

/** Lineage ids of semantic-layer and feature-store objects (manifest-style `type.project.name`). */
export const semanticId = {
  model: (project: string, name: string): string => `semantic_model.${project}.${name}`,
  metric: (project: string, name: string): string => `metric.${project}.${name}`,
  view: (project: string, name: string): string => `feature_view.${project}.${name}`,
  service: (project: string, name: string): string => `feature_service.${project}.${name}`,
};

/**
 * What a metric reads directly: semantic models (through measures) and other metrics (ratio,
 * derived), as lineage ids.
 *
 * @example metricParents('shop', ratioMetric) // ['metric.shop.revenue', 'metric.shop.orders']
 */
export function metricParents(project: string, m: Metric): string[] {
  switch (m.type) {
    case 'simple':
    case 'cumulative':
      return [semanticId.model(project, m.measure.model)];
    case 'conversion':
      return [...new Set([m.base.model, m.conversion.model])].map((x) => semanticId.model(project, x));
    case 'ratio':
      return [...new Set([m.numerator, m.denominator])].map((x) => semanticId.metric(project, x));
    case 'derived':
      return m.metrics.map((x) => semanticId.metric(project, x));
  }
}


export function semanticModelDetail(project: string, m: SemanticModel): SemanticModelDetail {
  return {
    kind: 'semantic_model',
    id: semanticId.model(project, m.name),
    name: m.name,
    description: m.description,
    file: m.loc.file,
    relation: m.from,
    primaryKey: m.primaryKey,
    dimensions: Object.values(m.dimensions).map((d) => ({ name: d.name, type: d.type, expr: d.expr, granularities: d.granularities, description: d.description })),
    measures: Object.values(m.measures).map((x) => ({ name: x.name, agg: x.agg, expr: x.expr, description: x.description })),
    joins: m.joins.map((j) => ({ to: j.to, relationship: j.relationship, on: j.on })),
    segments: Object.keys(m.segments),
  };
}

/**
 * A metric's page: its definition, the dimensions it can be grouped by (its models' and those
 * reachable over fan-out-safe joins) and the hierarchies among them (drill paths).
 */
export function metricDetail(project: string, layer: SemanticLayer, m: Metric): MetricDetail {
  const models = semanticModelsOfMetric(layer, m.name);
  const reachable = new Set(models.flatMap((x) => [x, ...Object.keys(layer.paths[x] ?? {})]));
  const dimensions: string[] = [];
  for (const sm of reachable) {
    for (const d of Object.values(layer.models[sm]?.dimensions ?? {})) {
      dimensions.push(`${sm}.${d.name}`);
      if (d.type === 'time') for (const g of d.granularities) dimensions.push(`${sm}.${d.name}.${g}`);
    }
  }
  const dimSet = new Set(dimensions);
  const hierarchies = Object.values(layer.hierarchies)
    .filter((h) => h.levels.every((l) => dimSet.has(l)))
    .map((h) => ({ name: h.name, levels: h.levels }));
  const definition: Record<string, string> = {};
  switch (m.type) {
    case 'simple':
      definition['measure'] = `${m.measure.model}.${m.measure.measure}`;
      break;
    case 'cumulative':
      definition['measure'] = `${m.measure.model}.${m.measure.measure}`;
      if (m.window) definition['window'] = m.window;
      if (m.grainToDate) definition['grain_to_date'] = m.grainToDate;
      break;
    case 'ratio':
      definition['numerator'] = m.numerator;
      definition['denominator'] = m.denominator;
      break;
    case 'derived':
      definition['expr'] = m.expr;
      break;
    case 'conversion':
      definition['entity'] = m.entity;
      definition['base'] = `${m.base.model}.${m.base.measure}`;
      definition['conversion'] = `${m.conversion.model}.${m.conversion.measure}`;
      definition['window'] = m.window;
      definition['calculation'] = m.calculation;
      break;
  }
  // Aggregations of simple metrics say what is computed (`sum(amount)`).
  if (m.type === 'simple' || m.type === 'cumulative') {
    const measure = layer.models[m.measure.model]?.measures[m.measure.measure];
    if (measure) definition['aggregation'] = `${measure.agg}(${measure.expr})`;
  }
  return {
    kind: 'metric',
    id: semanticId.metric(project, m.name),
    name: m.name,
    description: m.description,
    file: m.loc.file,
    type: m.type,
    definition,
    filter: m.filter,
    dimensions,
    hierarchies,
  };
}

/** `90d`-style text for a TTL in seconds. */
function ttlText(s: number | undefined): string | null {
  if (s === undefined) return null;
  for (const [unit, n] of [['d', 86_400], ['h', 3_600], ['m', 60]] as const) if (s % n === 0) return `${s / n}${unit}`;
  return `${s}s`;
}

export function featureViewDetail(project: string, v: FeatureView): FeatureViewDetail {
  return {
    kind: 'feature_view',
    id: semanticId.view(project, v.name),
    name: v.name,
    description: v.description,
    file: v.loc.file,
    entity: v.entity,
    joinKeys: v.joinKeys,
    source: v.source.kind === 'relation' ? (v.source.ref ? `ref('${v.source.ref}') → ${v.source.relation}` : v.source.relation) : v.source.sql,
    timestamp: v.timestamp,
    ttl: ttlText(v.ttlSeconds),
    online: v.online,
    owner: v.owner ?? null,
    tags: v.tags,
    features: v.features.map((f) => ({ name: f.name, type: f.type, description: f.description, impute: f.impute ? f.impute.strategy : null })),
  };
}

export function featureServiceDetail(project: string, s: FeatureService, registry: FeatureRegistry): FeatureServiceDetail {
  return {
    kind: 'feature_service',
    id: semanticId.service(project, s.name),
    name: s.name,
    description: s.description,
    file: s.loc.file,
    owner: s.owner ?? null,
    tags: s.tags,
    features: s.features.map((f) => ({ view: f.view, feature: f.feature, type: registry.views[f.view]?.features.find((x) => x.name === f.feature)?.type ?? null })),
  };
}
