import { hiddenMembers, hiddenReference, metricModels, metricRefusal, refusalFor } from './access.js';
import type { AccessRole, Metric, SemanticLayer } from './types.js';

export interface MetaDimension {
  readonly name: string;
  /** `customer.region`, what queries name it by. */
  readonly member: string;
  readonly type: string;
  readonly granularities: readonly string[];
  readonly description: string;
}

export interface MetaModel {
  readonly name: string;
  readonly description: string;
  readonly dimensions: readonly MetaDimension[];
  readonly measures: readonly { readonly name: string; readonly member: string; readonly agg: string; readonly description: string }[];
  readonly segments: readonly string[];
}

export interface MetaMetric {
  readonly name: string;
  readonly type: Metric['type'];
  readonly description: string;
  /** The semantic model whose measure it aggregates first (Cube lists it under that cube). */
  readonly model: string | null;
}

/** What a role may see of the layer: the body of `GET /api/v1/meta`. */
export interface LayerMeta {
  readonly models: readonly MetaModel[];
  readonly metrics: readonly MetaMetric[];
  readonly hierarchies: readonly { readonly name: string; readonly levels: readonly string[] }[];
}

/**
 * The members a role may see: models its row filter cannot restrict are left out, and so are
 * hidden dimensions and measures, segments over hidden columns, and every metric that is hidden
 * itself, computed from something hidden (a ratio over a hidden metric would leak it) or over a
 * model left out. Hierarchies are cut at their first level the role cannot use.
 *
 * @example
 * visibleMeta(layer, layer.access.roles.sales).models.find((m) => m.name === 'customer').dimensions
 * // region, country, city, segment (no email)
 */
export function visibleMeta(layer: SemanticLayer, role: AccessRole | null): LayerMeta {
  const hidden = hiddenMembers(layer, role);
  // Models the role's row filter cannot restrict are refused by the planner: not listed.
  const readable = new Set(Object.keys(layer.models).filter((m) => refusalFor(layer, role, m) === undefined));
  const dimVisible = (member: string): boolean => {
    const [m, d] = member.split('.');
    return readable.has(m!) && !hidden.has(`${m}.${d}`);
  };
  const metricVisible = (m: Metric): boolean => metricRefusal(layer, role, m.name) === undefined && metricModels(layer, m).every((x) => readable.has(x));
  const models: MetaModel[] = Object.values(layer.models)
    .filter((m) => readable.has(m.name))
    .map((m) => ({
      name: m.name,
      description: m.description,
      dimensions: Object.values(m.dimensions)
        .filter((d) => !hidden.has(`${m.name}.${d.name}`))
        .map((d) => ({ name: d.name, member: `${m.name}.${d.name}`, type: d.type, granularities: d.granularities, description: d.description })),
      measures: Object.values(m.measures)
        .filter((x) => !hidden.has(`${m.name}.${x.name}`))
        .map((x) => ({ name: x.name, member: `${m.name}.${x.name}`, agg: x.agg, description: x.description })),
      segments: Object.entries(m.segments)
        .filter(([s, seg]) => !hidden.has(`${m.name}.${s}`) && hiddenReference(layer, hidden, seg.filter) === undefined)
        .map(([s]) => `${m.name}.${s}`),
    }));
  const metrics: MetaMetric[] = Object.values(layer.metrics)
    .filter(metricVisible)
    .map((m) => ({ name: m.name, type: m.type, description: m.description, model: baseModel(layer, m) }));
  const hierarchies = Object.values(layer.hierarchies)
    .map((h) => {
      const cut = h.levels.findIndex((l) => !dimVisible(l));
      return { name: h.name, levels: cut < 0 ? h.levels : h.levels.slice(0, cut) };
    })
    .filter((h) => h.levels.length > 0);
  return { models, metrics, hierarchies };
}

function baseModel(layer: SemanticLayer, m: Metric, depth = 0): string | null {
  if (depth > 20) return null;
  switch (m.type) {
    case 'simple':
    case 'cumulative':
      return m.measure.model;
    case 'conversion':
      return m.base.model;
    case 'ratio': {
      const n = layer.metrics[m.numerator];
      return n ? baseModel(layer, n, depth + 1) : null;
    }
    case 'derived': {
      const first = m.metrics[0] ? layer.metrics[m.metrics[0]] : undefined;
      return first ? baseModel(layer, first, depth + 1) : null;
    }
  }
}
