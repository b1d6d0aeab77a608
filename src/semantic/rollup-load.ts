import { didYouMean, error, type Diagnostic } from '../diagnostics/index.js';
import { nullRecord } from '../shared/records.js';
import { checkDimensionMember } from './load.js';
import type { RawRollup } from './raw-schema.js';
import type { Granularity, Rollup, SemanticLayer, SemanticModel, SourceLocation } from './types.js';

/** A rollup as written, with where it was written and the model it sits under (if nested). */
export interface LocatedRollup {
  readonly raw: RawRollup;
  readonly loc: SourceLocation;
  readonly at: (key: string, i?: number) => SourceLocation;
  /** Set for `rollups:` under a semantic model. */
  readonly parent?: string;
}

/**
 * Validates rollups against the models: measures of the rollup's model, dimensions reachable
 * through many-to-one joins, a time dimension of type time with a granularity it offers.
 * Problems are Diagnostics at the YAML line.
 *
 * @example
 * // rollups: [{ name: by_region, measures: [revenue], dimensions: [customer.region],
 * //             time_dimension: sales.sold_at, granularity: month }]   (under semantic model sales)
 * validateRollups(list, models, paths, diags) // { by_region: { model: 'sales', … } }
 */
export function validateRollups(
  list: readonly LocatedRollup[],
  models: Readonly<Record<string, SemanticModel>>,
  paths: SemanticLayer['paths'],
  diags: Diagnostic[],
): Record<string, Rollup> {
  const out: Record<string, Rollup> = nullRecord();
  const modelNames = Object.keys(models);
  for (const { raw, loc, at, parent } of list) {
    const bad = (message: string, where: SourceLocation, hint?: string): void => {
      diags.push(error('semantic-invalid', `rollup '${raw.name}': ${message}`, { ...where, ...(hint ? { hint } : {}) }));
    };
    if (out[raw.name]) {
      bad('is defined twice', loc, 'rollup names are global; rename one');
      continue;
    }
    const modelName = parent ?? raw.model;
    if (parent && raw.model && raw.model !== parent) bad(`is declared under '${parent}' but names model '${raw.model}'`, at('model'));
    if (!modelName) {
      bad('needs model: <semantic_model> at the top level', loc);
      continue;
    }
    const model = models[modelName];
    if (!model) {
      diags.push(error('unknown-member', `rollup '${raw.name}': unknown semantic model '${modelName}'`, { ...at('model'), hint: didYouMean(modelName, modelNames) ?? `models: ${modelNames.join(', ')}` }));
      continue;
    }
    const measures: string[] = [];
    raw.measures.forEach((m, i) => {
      // `revenue` or `sales.revenue`.
      const name = m.startsWith(`${modelName}.`) ? m.slice(modelName.length + 1) : m;
      if (!model.measures[name] && name !== 'count') {
        diags.push(error('unknown-member', `rollup '${raw.name}': model '${modelName}' has no measure '${m}'`, { ...at('measures', i), hint: didYouMean(name, Object.keys(model.measures)) ?? `measures: ${Object.keys(model.measures).join(', ')}` }));
      } else if (model.measures[name]?.agg === 'avg') {
        bad(`measure '${name}' is an avg, which cannot be combined from pre-aggregated groups`, at('measures', i), 'declare sum and count measures and a ratio metric instead');
      } else if (model.measures[name]?.agg === 'median' || model.measures[name]?.agg === 'percentile') {
        bad(`measure '${name}' is a ${model.measures[name]!.agg}, which cannot be combined from pre-aggregated groups`, at('measures', i), 'leave it out of the rollup; queries read it from the model');
      } else if (model.measures[name]?.nonAdditive) {
        bad(`measure '${name}' is semi-additive (non_additive_dimension), so its groups cannot be added up`, at('measures', i), 'leave it out of the rollup; queries read it from the model');
      } else measures.push(name);
    });
    const dimensions: string[] = [];
    raw.dimensions.forEach((d, i) => {
      const problem = checkDimensionMember(models, d);
      if (problem) {
        diags.push(error('unknown-member', `rollup '${raw.name}': ${problem.message}`, { ...at('dimensions', i), ...(problem.hint ? { hint: problem.hint } : {}) }));
        return;
      }
      const [dm, dn, grain] = d.split('.') as [string, string, string | undefined];
      if (grain !== undefined || models[dm]!.dimensions[dn]!.type === 'time') {
        bad(`'${d}' is a time member; use time_dimension and granularity`, at('dimensions', i));
        return;
      }
      if (dm !== modelName && !paths[modelName]?.[dm]) {
        bad(`dimension '${d}' is not reachable from '${modelName}' through many-to-one joins`, at('dimensions', i));
        return;
      }
      if (dimensions.includes(d)) bad(`dimension '${d}' is listed twice`, at('dimensions', i));
      else dimensions.push(d);
    });
    let timeDimension: string | null = null;
    let granularity: Granularity | null = null;
    if (raw.time_dimension !== undefined) {
      const problem = checkDimensionMember(models, raw.time_dimension);
      const [tm, tn, g] = raw.time_dimension.split('.') as [string, string, string | undefined];
      if (problem) diags.push(error('unknown-member', `rollup '${raw.name}': ${problem.message}`, { ...at('time_dimension'), ...(problem.hint ? { hint: problem.hint } : {}) }));
      else if (g !== undefined || models[tm]!.dimensions[tn]!.type !== 'time') bad(`time_dimension '${raw.time_dimension}' must be a time dimension without granularity`, at('time_dimension'));
      else if (tm !== modelName && !paths[modelName]?.[tm]) bad(`time_dimension '${raw.time_dimension}' is not reachable from '${modelName}'`, at('time_dimension'));
      else {
        timeDimension = raw.time_dimension;
        granularity = raw.granularity ?? 'day';
        if (!models[tm]!.dimensions[tn]!.granularities.includes(granularity)) bad(`'${raw.time_dimension}' has no granularity '${granularity}'`, at('granularity'));
      }
    } else if (raw.granularity !== undefined) bad('granularity needs a time_dimension', at('granularity'));
    out[raw.name] = { name: raw.name, model: modelName, measures, dimensions, timeDimension, granularity, refresh: raw.refresh, loc };
  }
  return out;
}
