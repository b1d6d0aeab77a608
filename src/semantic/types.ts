/**
 * The semantic layer's IR: plain, JSON-serialisable, readonly. Produced by `loadSemanticLayer`
 * from `semantic/*.yml`, consumed by the query planner.
 */

export const GRANULARITIES = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export type DimensionType = 'string' | 'number' | 'boolean' | 'time';
/** `median` and `percentile` come from MetricFlow YAML (`agg: median`, `agg: percentile`). */
export type Aggregation = 'sum' | 'count' | 'count_distinct' | 'avg' | 'min' | 'max' | 'median' | 'percentile';
export type Relationship = 'many_to_one' | 'one_to_one' | 'one_to_many';

export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface Dimension {
  readonly name: string;
  readonly type: DimensionType;
  /** SQL in the model's own scope (its columns unqualified), e.g. `lower(region)`. */
  readonly expr: string;
  /** `expr` with its columns qualified by `{self}`, e.g. `lower({self}.region)`. */
  readonly sql: string;
  readonly granularities: readonly Granularity[];
  readonly description: string;
  readonly loc: SourceLocation;
  /** Display name (MetricFlow `label`). */
  readonly label?: string;
}

export interface Measure {
  readonly name: string;
  readonly agg: Aggregation;
  /** SQL in the model's scope; `*` for count without expr. */
  readonly expr: string;
  /** `expr` qualified with `{self}`. */
  readonly sql: string;
  readonly description: string;
  readonly loc: SourceLocation;
  /** Display name (MetricFlow `label`). */
  readonly label?: string;
  /**
   * The time dimension (of the same model) this measure is aggregated over: MetricFlow's
   * `agg_time_dimension`, or the model's default time dimension. `metric_time` means it.
   */
  readonly aggTime?: string | null;
  /** Semi-additive measure: aggregated only over the rows at the last (or first) time value. */
  readonly nonAdditive?: NonAdditiveDimension | null;
  /** `agg: percentile` (or median: 0.5, continuous): the fraction and whether it is discrete. */
  readonly percentile?: { readonly fraction: number; readonly discrete: boolean } | null;
}

/**
 * `non_additive_dimension`: the measure counts only the rows whose `dimension` (a time dimension
 * of the model) equals its max (`window_choice: max`) or min within each requested time bucket
 * and each combination of `windowGroupings` (dimension names of the model); without a time
 * dimension in the query, within the whole filtered range.
 */
export interface NonAdditiveDimension {
  readonly dimension: string;
  readonly windowChoice: 'max' | 'min';
  readonly windowGroupings: readonly string[];
}

export interface Join {
  readonly to: string;
  readonly relationship: Relationship;
  /** Join condition with `{model}` tokens, e.g. `{sales}.customer_key = {customer}.customer_key`. */
  readonly on: string;
  readonly loc: SourceLocation;
}

export interface SemanticModel {
  readonly name: string;
  /** FROM-clause item: a quoted relation (`"db"."s"."fact_sales"`) or a parenthesised query. */
  readonly from: string;
  /** Unique ids of the dbt-style models it reads (`ref()`), for lineage. */
  readonly dependsOn: readonly string[];
  readonly primaryKey: string | null;
  readonly description: string;
  readonly joins: readonly Join[];
  readonly dimensions: Readonly<Record<string, Dimension>>;
  readonly measures: Readonly<Record<string, Measure>>;
  readonly segments: Readonly<Record<string, { readonly filter: string; readonly loc: SourceLocation }>>;
  /** Time dimension used by conversion metrics (default: the first time dimension). */
  readonly defaultTime: string | null;
  readonly loc: SourceLocation;
  /** The YAML it was written in: Strata's own (default) or dbt MetricFlow's. */
  readonly format?: 'strata' | 'metricflow';
  /** MetricFlow entities (name → type and SQL); each is also a dimension of the same name. */
  readonly entities?: Readonly<Record<string, { readonly type: 'primary' | 'unique' | 'foreign' | 'natural'; readonly expr: string }>>;
  /** MetricFlow: the entity its dimensions are qualified by (`customer` in `customer__region`). */
  readonly primaryEntity?: string | null;
}

export interface MeasureRef {
  readonly model: string;
  readonly measure: string;
}

interface MetricBase {
  readonly name: string;
  readonly description: string;
  /** Display name (`label`). */
  readonly label?: string;
  /** SQL with `{model}` tokens, applied before aggregation. */
  readonly filter: string | null;
  readonly loc: SourceLocation;
}

export type Metric =
  | (MetricBase & { readonly type: 'simple'; readonly measure: MeasureRef })
  | (MetricBase & { readonly type: 'ratio'; readonly numerator: string; readonly denominator: string })
  | (MetricBase & {
      readonly type: 'derived';
      readonly expr: string;
      /** Metric names the expression uses, in order of first appearance. */
      readonly metrics: readonly string[];
    })
  | (MetricBase & {
      readonly type: 'cumulative';
      readonly measure: MeasureRef;
      /** e.g. '7 days' (rolling) … */
      readonly window: string | null;
      /** … or 'year' (year to date). */
      readonly grainToDate: Granularity | null;
    })
  | (MetricBase & {
      readonly type: 'conversion';
      /** Column/expression identifying the entity in both models, e.g. customer_key. */
      readonly entity: string;
      readonly base: MeasureRef;
      readonly conversion: MeasureRef;
      /** How long after a base event a conversion counts, e.g. '7 days'. */
      readonly window: string;
      readonly calculation: 'conversion_rate' | 'conversions';
    });

export interface Hierarchy {
  readonly name: string;
  /** Dimension members, coarse to fine: `sales.sold_at.year`, `customer.region`, … */
  readonly levels: readonly string[];
  readonly loc: SourceLocation;
}

export interface AccessRole {
  readonly name: string;
  /** SQL with `{model}` tokens and `{{ user.attr }}` placeholders (bound as parameters). */
  readonly rowFilter: string | null;
  /**
   * Filters for models the row filter cannot reach (`model_filters: { activity: "{activity}.region
   * = {{ user.region }}" }`); a model's own entry replaces the row filter for it.
   */
  readonly modelFilters: Readonly<Record<string, string>>;
  /** Models this role reads without a filter although it has one (`unrestricted_models`). */
  readonly unrestrictedModels: readonly string[];
  /** Members (model.dimension / model.measure / metric) this role must not see. */
  readonly hide: readonly string[];
  /** May this role see compiled SQL (`POST /api/v1/sql`)? */
  readonly showSql: boolean;
  /**
   * Feature views this role may read over HTTP: 'all', 'none' or a list. Default: 'all' without a
   * row_filter, 'none' with one (feature rows are per entity; a row filter cannot restrict them).
   */
  readonly features: 'all' | 'none' | readonly string[];
  readonly loc: SourceLocation;
}

export interface AccessPolicy {
  readonly roles: Readonly<Record<string, AccessRole>>;
  /** Role for tokens whose role is unknown: 'none' = no access. */
  readonly defaultRole: string;
}

/**
 * A pre-aggregation declared in YAML (`rollups:` under a semantic model or at the top level):
 * the model's measures grouped by dimensions (and a time dimension at a granularity). Built by
 * `strata build` into a table; the planner answers a query from it when that is exact.
 */
export interface Rollup {
  readonly name: string;
  /** The semantic model whose measures it aggregates. */
  readonly model: string;
  /** Measure names of `model` (stored as columns m0, m1, …). */
  readonly measures: readonly string[];
  /** Dimension members (`customer.region`; stored as columns d0, d1, …); no time members. */
  readonly dimensions: readonly string[];
  /** `sales.sold_at` (stored truncated to `granularity` as column t), or null. */
  readonly timeDimension: string | null;
  readonly granularity: Granularity | null;
  /** How it is refreshed: `build` (every `strata build`). */
  readonly refresh: string;
  readonly loc: SourceLocation;
}

/**
 * A named query (MetricFlow `saved_queries:`), as plain data in Strata's member names, ready to
 * run through `planQuery` as `{ metrics, dimensions, filters: [] }` plus `filters` as metric-style
 * SQL: `metric_time` is already resolved to the measures' time dimension.
 */
export interface SavedQuery {
  readonly name: string;
  readonly description: string;
  readonly label?: string;
  readonly metrics: readonly string[];
  /** `customer.region`, `sales.sold_at.month`, … */
  readonly dimensions: readonly string[];
  /** SQL conditions with `{model}` tokens (like metric filters), all of which must hold. */
  readonly filters: readonly string[];
  readonly loc: SourceLocation;
}

export interface SemanticLayer {
  readonly models: Readonly<Record<string, SemanticModel>>;
  /** Named queries (`saved_queries:`); may be absent in layers built by hand. */
  readonly savedQueries?: Readonly<Record<string, SavedQuery>>;
  /** Pre-aggregations by name (may be absent in layers built by hand). */
  readonly rollups?: Readonly<Record<string, Rollup>>;
  readonly metrics: Readonly<Record<string, Metric>>;
  readonly hierarchies: Readonly<Record<string, Hierarchy>>;
  readonly access: AccessPolicy | null;
  /**
   * Precomputed fan-out-safe join paths: `paths[from][to]` is the list of models to walk
   * (excluding `from`), following many_to_one / one_to_one joins only.
   */
  readonly paths: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}
