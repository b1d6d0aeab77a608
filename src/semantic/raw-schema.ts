import { z } from 'zod';
import { GRANULARITIES } from './types.js';

/** zod shapes of `semantic/*.yml` as users write them. */

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'names are letters, digits and _ (not starting with a digit)');

export const rawDimension = z
  .object({
    name,
    type: z.enum(['string', 'number', 'boolean', 'time']).default('string'),
    expr: z.string().min(1).optional(),
    granularities: z.array(z.enum(GRANULARITIES)).optional(),
    description: z.string().default(''),
  })
  .strict();

export const rawMeasure = z
  .object({
    name,
    agg: z.enum(['sum', 'count', 'count_distinct', 'avg', 'min', 'max']),
    expr: z.string().min(1).optional(),
    description: z.string().default(''),
    non_additive_dimension: z
      .object({
        name,
        window_choice: z.enum(['max', 'min']),
        window_groupings: z.array(name).default([]),
      })
      .strict()
      .optional(),
  })
  .strict();

export const rawJoin = z
  .object({
    to: name,
    relationship: z.enum(['many_to_one', 'one_to_one', 'one_to_many']),
    on: z.string().min(1),
  })
  .strict();

/** A rollup; `model` is required at the top level and implied under a semantic model. */
export const rawRollup = z
  .object({
    name,
    model: z.string().optional(),
    measures: z.array(z.string()).min(1),
    dimensions: z.array(z.string()).default([]),
    time_dimension: z.string().optional(),
    granularity: z.enum(GRANULARITIES).optional(),
    refresh: z.string().default('build'),
    description: z.string().optional(),
  })
  .strict();

export const rawSemanticModel = z
  .object({
    name,
    model: z.string().optional(),
    table: z.string().optional(),
    sql: z.string().optional(),
    description: z.string().default(''),
    primary_key: z.string().optional(),
    default_time_dimension: z.string().optional(),
    joins: z.array(rawJoin).default([]),
    dimensions: z.array(rawDimension).default([]),
    measures: z.array(rawMeasure).default([]),
    segments: z.array(z.object({ name, filter: z.string().min(1) }).strict()).default([]),
    rollups: z.array(rawRollup).default([]),
  })
  .strict();

const metricCommon = {
  name,
  description: z.string().default(''),
  label: z.string().optional(),
  filter: z.string().optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
};

export const rawMetric = z.discriminatedUnion('type', [
  z.object({ ...metricCommon, type: z.literal('simple'), measure: z.string() }).strict(),
  z.object({ ...metricCommon, type: z.literal('ratio'), numerator: z.string(), denominator: z.string() }).strict(),
  z.object({ ...metricCommon, type: z.literal('derived'), expr: z.string().min(1) }).strict(),
  z
    .object({
      ...metricCommon,
      type: z.literal('cumulative'),
      measure: z.string(),
      window: z.string().optional(),
      grain_to_date: z.enum(GRANULARITIES).optional(),
    })
    .strict(),
  z
    .object({
      ...metricCommon,
      type: z.literal('conversion'),
      entity: z.string(),
      base_measure: z.string(),
      conversion_measure: z.string(),
      window: z.string(),
      calculation: z.enum(['conversion_rate', 'conversions']).default('conversion_rate'),
    })
    .strict(),
]);

export const rawHierarchy = z.object({ name, levels: z.array(z.string()).min(1), description: z.string().optional() }).strict();

export const rawAccess = z
  .object({
    roles: z.record(
      z.string(),
      z
        .object({
          row_filter: z.string().optional(),
          model_filters: z.record(z.string(), z.string()).default({}),
          unrestricted_models: z.array(z.string()).default([]),
          hide: z.array(z.string()).default([]),
          show_sql: z.boolean().default(false),
          features: z.union([z.boolean(), z.array(z.string())]).optional(),
        })
        .strict()
        .nullable()
        .default({ hide: [], show_sql: false, model_filters: {}, unrestricted_models: [] }),
    ),
    default_role: z.string().default('none'),
  })
  .strict();

export type RawSemanticModel = z.infer<typeof rawSemanticModel>;
export type RawMetric = z.infer<typeof rawMetric>;
export type RawRollup = z.infer<typeof rawRollup>;
