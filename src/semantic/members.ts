import { own } from '../shared/records.js';
import type { Metric, SemanticLayer } from './types.js';

/**
 * A `metrics` entry that names a measure directly (`sales.revenue`, or the implicit
 * `sales.count`) as the simple metric aggregating it, with no filter; undefined when the name
 * is a metric (metric names win) or not a measure.
 *
 * @example measureMetric(layer, 'sales.revenue') // { type: 'simple', name: 'sales.revenue', measure: { model: 'sales', measure: 'revenue' }, … }
 */
export function measureMetric(layer: SemanticLayer, name: string): Metric | undefined {
  if (own(layer.metrics, name)) return undefined;
  const dot = name.indexOf('.');
  if (dot <= 0 || name.indexOf('.', dot + 1) >= 0) return undefined;
  const model = own(layer.models, name.slice(0, dot));
  const measure = name.slice(dot + 1);
  if (!model) return undefined;
  const m = own(model.measures, measure);
  if (!m && measure !== 'count') return undefined;
  return {
    type: 'simple',
    name,
    description: m?.description ?? '',
    filter: null,
    measure: { model: model.name, measure },
    loc: m?.loc ?? model.loc,
  };
}

/** A metric by name, or a measure named `<model>.<measure>` as its implicit simple metric. */
export function metricOrMeasure(layer: SemanticLayer, name: string): Metric | undefined {
  return own(layer.metrics, name) ?? measureMetric(layer, name);
}
