/**
 * The feature registry as plain, JSON-serialisable data: entities, feature views,
 * feature services and saved training sets. Produced by `loadFeatureRegistry`, written to
 * `target/feature_registry.json`, read by training sets, materialization and online serving.
 */

/** Where a definition was written (the user's YAML). */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export const FEATURE_TYPES = ['int32', 'int64', 'float32', 'float64', 'string', 'bool', 'timestamp', 'date'] as const;
export type FeatureType = (typeof FEATURE_TYPES)[number];

/** How a NULL (or expired / missing online) value is replaced. */
export type ImputeSpec =
  | { readonly strategy: 'zero' }
  | { readonly strategy: 'mean' }
  | { readonly strategy: 'median' }
  | { readonly strategy: 'constant'; readonly value: string | number | boolean };

export interface Entity {
  readonly name: string;
  readonly joinKeys: readonly string[];
  readonly description: string;
  readonly loc: SourceLocation;
}

export interface Feature {
  readonly name: string;
  readonly type: FeatureType;
  readonly description: string;
  readonly impute?: ImputeSpec;
  readonly tags: readonly string[];
}

/** Where a view's rows come from: a relation (from `ref()`/`table:`) or a SQL statement. */
export type FeatureSource =
  | { readonly kind: 'relation'; readonly relation: string; readonly ref?: string }
  | { readonly kind: 'sql'; readonly sql: string };

export interface FeatureView {
  readonly name: string;
  readonly entity: string;
  /** The entity's join keys (copied here so SQL builders need only the view). */
  readonly joinKeys: readonly string[];
  readonly source: FeatureSource;
  /** Event-time column of the source. */
  readonly timestamp: string;
  /** Optional second ordering column for rows with equal timestamps (Feast's created_timestamp). */
  readonly createdTimestamp?: string;
  /** Seconds; undefined = values never expire. */
  readonly ttlSeconds?: number;
  readonly online: boolean;
  readonly owner?: string;
  readonly tags: readonly string[];
  readonly description: string;
  readonly features: readonly Feature[];
  /** Manifest unique ids this view reads (lineage). */
  readonly dependsOn: readonly string[];
  readonly loc: SourceLocation;
  /** When the registry first saw this view (ISO; kept across compiles). */
  readonly created?: string;
}

/** One selected feature: `<view>:<feature>`. */
export interface FeatureRef {
  readonly view: string;
  readonly feature: string;
}

export interface FeatureService {
  readonly name: string;
  readonly description: string;
  readonly owner?: string;
  readonly tags: readonly string[];
  readonly features: readonly FeatureRef[];
  readonly loc: SourceLocation;
}

/** Imputation value computed for one output column when a training set was built. */
export interface ImputedValue {
  readonly column: string;
  readonly view: string;
  readonly feature: string;
  readonly strategy: ImputeSpec['strategy'];
  /** The value used for NULLs (number for zero/mean/median; the constant otherwise). */
  readonly value: string | number | boolean | null;
}

/** Profile of one numeric output column of a training set: decile edges and bucket shares. */
export interface ColumnProfile {
  readonly column: string;
  readonly view: string;
  readonly feature: string;
  readonly count: number;
  readonly nulls: number;
  /** Ascending distinct decile edges (width_bucket boundaries). */
  readonly edges: readonly number[];
  /** Share of non-NULL values per bucket: edges.length + 1 buckets. */
  readonly shares: readonly number[];
}

/** A training set as remembered by the registry (its imputation and profile). */
export interface TrainingSetRecord {
  readonly name: string;
  readonly createdAt: string;
  readonly features: readonly FeatureRef[];
  readonly shortNames: boolean;
  readonly rows: number;
  readonly output: string;
  readonly impute: readonly ImputedValue[];
  readonly profile: readonly ColumnProfile[];
}

export interface FeatureRegistry {
  /** Key prefix for online stores: `<project>.<schema>`, so targets never share keys. */
  readonly namespace: string;
  readonly entities: Readonly<Record<string, Entity>>;
  readonly views: Readonly<Record<string, FeatureView>>;
  readonly services: Readonly<Record<string, FeatureService>>;
  readonly trainingSets: Readonly<Record<string, TrainingSetRecord>>;
}
