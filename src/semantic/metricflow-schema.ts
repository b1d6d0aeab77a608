import { z } from 'zod';
import { isRecord } from '../shared/records.js';

/**
 * zod shapes of dbt MetricFlow's semantic YAML (`semantic_models:`, `metrics:`,
 * `saved_queries:`) as dbt users write it, and the detection of which format an entry is in.
 * Enum values are case-insensitive (`type: SIMPLE`), as dbt reads them.
 */

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'names are letters, digits and _ (not starting with a digit)');
const lower = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(values));
/** `expr: 1` parses as a number in YAML; expressions are SQL text. */
const sqlText = z.union([z.string().min(1), z.number(), z.boolean()]).transform((v) => String(v));
const free = z.record(z.string(), z.unknown()).optional();
/** `config:` of a semantic element (meta, enabled, group …): accepted, not acted on. */
const config = z.record(z.string(), z.unknown()).optional();

/** Keys of Strata's own semantic models that MetricFlow models do not take. */
export const NATIVE_ONLY_MODEL_KEYS = ['joins', 'primary_key', 'table', 'sql', 'segments', 'rollups', 'default_time_dimension'] as const;

export const MF_GRAINS = ['nanosecond', 'microsecond', 'millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'] as const;

export const mfEntity = z
  .object({
    name,
    type: lower(['primary', 'unique', 'foreign', 'natural'] as const),
    expr: sqlText.optional(),
    description: z.string().optional(),
    label: z.string().optional(),
    role: z.string().optional(),
    config,
    meta: free,
  })
  .strict();

export const mfDimension = z
  .object({
    name,
    type: lower(['categorical', 'time'] as const),
    expr: sqlText.optional(),
    description: z.string().optional(),
    label: z.string().optional(),
    is_partition: z.boolean().optional(),
    type_params: z
      .object({
        time_granularity: lower(MF_GRAINS).optional(),
        validity_params: z.object({ is_start: z.boolean().optional(), is_end: z.boolean().optional() }).strict().optional(),
      })
      .strict()
      .optional(),
    config,
    meta: free,
  })
  .strict();

export const mfNonAdditive = z
  .object({
    name,
    window_choice: lower(['min', 'max'] as const).default('min'),
    window_groupings: z.array(name).default([]),
  })
  .strict();

export const mfMeasure = z
  .object({
    name,
    agg: lower(['sum', 'count', 'count_distinct', 'average', 'min', 'max', 'sum_boolean', 'median', 'percentile'] as const),
    expr: sqlText.optional(),
    description: z.string().optional(),
    label: z.string().optional(),
    agg_time_dimension: name.optional(),
    create_metric: z.boolean().optional(),
    agg_params: z
      .object({
        percentile: z.number().min(0).max(1).optional(),
        use_discrete_percentile: z.boolean().optional(),
        use_approximate_percentile: z.boolean().optional(),
      })
      .strict()
      .optional(),
    non_additive_dimension: mfNonAdditive.optional(),
    config,
    meta: free,
  })
  .strict();

export const mfSemanticModel = z
  .object({
    name,
    model: z.string().min(1),
    description: z.string().optional(),
    label: z.string().optional(),
    defaults: z.object({ agg_time_dimension: name.optional() }).strict().optional(),
    primary_entity: name.optional(),
    entities: z.array(mfEntity).default([]),
    dimensions: z.array(mfDimension).default([]),
    measures: z.array(mfMeasure).default([]),
    config,
    meta: free,
    // Strata-format keys: read only to be refused with a hint (buildMetricFlowModel).
    ...Object.fromEntries(NATIVE_ONLY_MODEL_KEYS.map((k) => [k, z.unknown().optional()])),
  })
  .strict();

/** A filter: one template string or a list of them (all must hold). */
const filter = z.union([z.string().min(1), z.array(z.string().min(1))]).optional();

const measureInput = z.union([
  name,
  z
    .object({
      name,
      filter,
      alias: name.optional(),
      fill_nulls_with: z.number().optional(),
      join_to_timespine: z.boolean().optional(),
    })
    .strict(),
]);
const metricInput = z.union([
  name,
  z
    .object({
      name,
      filter,
      alias: name.optional(),
      offset_window: z.string().optional(),
      offset_to_grain: z.string().optional(),
    })
    .strict(),
]);

export const mfMetric = z
  .object({
    name,
    type: lower(['simple', 'ratio', 'derived', 'cumulative', 'conversion'] as const),
    description: z.string().optional(),
    label: z.string().optional(),
    filter,
    time_granularity: z.string().optional(),
    type_params: z
      .object({
        measure: measureInput.optional(),
        numerator: metricInput.optional(),
        denominator: metricInput.optional(),
        expr: sqlText.optional(),
        metrics: z.array(metricInput).optional(),
        window: z.string().optional(),
        grain_to_date: lower(MF_GRAINS).optional(),
        cumulative_type_params: z
          .object({ window: z.string().optional(), grain_to_date: lower(MF_GRAINS).optional(), period_agg: z.string().optional() })
          .strict()
          .optional(),
        conversion_type_params: z
          .object({
            entity: name,
            calculation: lower(['conversion_rate', 'conversions'] as const).default('conversion_rate'),
            base_measure: measureInput,
            conversion_measure: measureInput,
            window: z.string().optional(),
            constant_properties: z.array(z.unknown()).optional(),
          })
          .strict()
          .optional(),
        fill_nulls_with: z.number().optional(),
        join_to_timespine: z.boolean().optional(),
      })
      .strict(),
    config,
    meta: free,
  })
  .strict();

export const mfSavedQuery = z
  .object({
    name,
    description: z.string().optional(),
    label: z.string().optional(),
    query_params: z
      .object({
        metrics: z.array(z.string().min(1)).min(1),
        group_by: z.array(z.string().min(1)).default([]),
        where: filter,
      })
      .strict(),
    exports: z.array(z.unknown()).optional(),
    config,
    meta: free,
    tags: z.union([z.string(), z.array(z.string())]).optional(),
  })
  .strict();

export type MfSemanticModel = z.infer<typeof mfSemanticModel>;
export type MfMetric = z.infer<typeof mfMetric>;
export type MfSavedQuery = z.infer<typeof mfSavedQuery>;
export type MfMeasureInput = z.infer<typeof measureInput>;
export type MfMetricInput = z.infer<typeof metricInput>;

const MF_AGGS = ['average', 'sum_boolean', 'median', 'percentile'];

/**
 * Is this `semantic_models:` entry written in MetricFlow's format? Decided by keys only Strata
 * or only MetricFlow use: `entities`, `defaults`, `primary_entity`, `label`, `config`, `meta`,
 * categorical dimensions or `type_params`, MetricFlow-only aggregations or measure keys.
 */
export function isMetricFlowModel(v: unknown): boolean {
  if (!isRecord(v)) return false;
  if (['entities', 'defaults', 'primary_entity', 'label', 'config', 'meta'].some((k) => v[k] !== undefined)) return true;
  const list = (k: string): Record<string, unknown>[] => (Array.isArray(v[k]) ? (v[k] as unknown[]).filter(isRecord) : []);
  if (list('dimensions').some((d) => String(d['type']).toLowerCase() === 'categorical' || d['type_params'] !== undefined || d['is_partition'] !== undefined || d['label'] !== undefined)) return true;
  return list('measures').some(
    (m) =>
      MF_AGGS.includes(String(m['agg']).toLowerCase()) ||
      ['agg_time_dimension', 'create_metric', 'agg_params', 'label', 'config', 'meta'].some((k) => m[k] !== undefined),
  );
}

/** Is this `metrics:` entry MetricFlow's (every MetricFlow metric has `type_params`)? */
export function isMetricFlowMetric(v: unknown): boolean {
  return isRecord(v) && v['type_params'] !== undefined;
}
