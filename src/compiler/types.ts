/**
 * The Manifest: the compiler's output, JSON-serialisable and written as `target/manifest.json`.
 * Keys follow dbt's manifest (snake_case) so tools that read dbt artifacts read ours.
 */

export type ResourceType = 'model' | 'seed' | 'snapshot' | 'test' | 'analysis' | 'source' | 'macro' | 'unit_test';

export type Materialization =
  | 'view'
  | 'table'
  | 'incremental'
  | 'ephemeral'
  | 'materialized_view'
  | 'seed'
  | 'snapshot'
  | 'test'
  | 'dimension'
  | 'fact'
  | 'feature_table'
  | (string & {});

/** Effective node config: project folder config < schema YAML config < in-file config(). */
export interface NodeConfig {
  readonly enabled: boolean;
  readonly materialized: Materialization;
  readonly schema?: string | null;
  readonly alias?: string | null;
  readonly database?: string | null;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

export interface ColumnInfo {
  readonly name: string;
  readonly description: string;
  readonly data_type: string | null;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly tags: readonly string[];
  /** Contract constraints of the column (dbt's `constraints:`), see planner/contract.ts. */
  readonly constraints?: readonly Readonly<Record<string, unknown>>[];
}

export interface TestMetadata {
  /** 'unique', 'not_null', 'accepted_values', 'relationships' or a custom generic test name. */
  readonly name: string;
  readonly namespace: string | null;
  readonly kwargs: Readonly<Record<string, unknown>>;
}

export interface ManifestNode {
  readonly unique_id: string;
  readonly resource_type: Exclude<ResourceType, 'source' | 'macro'>;
  readonly name: string;
  readonly package_name: string;
  /** Path relative to its resource folder (models/, seeds/, ...). */
  readonly path: string;
  /** Path relative to the project root; errors point here. */
  readonly original_file_path: string;
  readonly fqn: readonly string[];
  readonly database: string;
  readonly schema: string;
  readonly alias: string;
  /** The quoted relation the node builds, e.g. "analytics"."stg_orders" (null for tests/ephemerals). */
  readonly relation_name: string | null;
  readonly config: NodeConfig;
  readonly tags: readonly string[];
  readonly description: string;
  readonly columns: Readonly<Record<string, ColumnInfo>>;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly raw_code: string;
  /** Final SQL with refs resolved and ephemerals inlined (null when disabled or seeds). */
  readonly compiled_code: string | null;
  readonly depends_on: { readonly nodes: readonly string[]; readonly macros: readonly string[] };
  readonly refs: readonly { readonly name: string; readonly package: string | null; readonly version?: string }[];
  /** Versioned models (dbt `versions:`): this node's `v` and the model's latest version. */
  readonly version?: string | number;
  readonly latest_version?: string | number | null;
  readonly sources: readonly (readonly [string, string])[];
  /** sha256 of raw_code (dbt's `checksum`). */
  readonly checksum: { readonly name: 'sha256'; readonly checksum: string };
  /**
   * Everything that can change this node's compiled SQL: raw code, effective config, macros it
   * called and the vars/env/target values it read. `state:modified` compares these.
   */
  readonly strata: {
    readonly config_hash: string;
    readonly macros_hash: string;
    readonly inputs_hash: string;
    readonly vars_read: readonly string[];
    readonly env_read: readonly string[];
    readonly reads_target: boolean;
    /** The parse read `execute` or asked the database: rendered again right before it runs. */
    readonly dynamic?: boolean;
    /** Hook templates whose parse was dynamic, rendered again at execution time. */
    readonly raw_hooks?: { readonly pre_hook?: readonly string[]; readonly post_hook?: readonly string[] };
    /** compiled_code back to lines of original_file_path (compiler/source-map.ts), for located SQL errors. */
    readonly source_map?: readonly number[];
  };
  readonly patch_path: string | null;
  /** Tests only. */
  readonly test_metadata?: TestMetadata;
  readonly column_name?: string | null;
  readonly attached_node?: string | null;
  /** Where the node is declared (1-based), for error messages. */
  readonly loc: { readonly line: number; readonly col: number };
  /** Models: dbt's `contract: {enforced, alias_types, checksum}` and model-level `constraints`. */
  readonly contract?: { readonly enforced: boolean; readonly alias_types: boolean; readonly checksum: null };
  readonly constraints?: readonly Readonly<Record<string, unknown>>[];
  /** Unit tests (resource_type 'unit_test'): what quality/unit-tests runs. */
  readonly unit_test?: import('../quality/unit-tests/types.js').UnitTestSpec;
}

export interface SourceNode {
  readonly unique_id: string;
  readonly resource_type: 'source';
  readonly name: string;
  readonly source_name: string;
  readonly package_name: string;
  readonly identifier: string;
  readonly database: string;
  readonly schema: string;
  readonly relation_name: string;
  readonly description: string;
  readonly source_description: string;
  readonly loader: string;
  readonly loaded_at_field: string | null;
  readonly freshness: Readonly<Record<string, unknown>> | null;
  readonly columns: Readonly<Record<string, ColumnInfo>>;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly tags: readonly string[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly original_file_path: string;
  readonly fqn: readonly string[];
  readonly loc: { readonly line: number; readonly col: number };
}

export interface MacroNode {
  readonly unique_id: string;
  readonly resource_type: 'macro';
  readonly name: string;
  readonly package_name: string;
  readonly original_file_path: string;
  readonly macro_sql: string;
  readonly arguments: readonly string[];
  readonly loc: { readonly line: number; readonly col: number };
}

export interface DocNode {
  readonly unique_id: string;
  readonly name: string;
  readonly package_name: string;
  readonly original_file_path: string;
  readonly block_contents: string;
}

export interface Manifest {
  readonly metadata: {
    readonly dbt_schema_version: string;
    readonly strata_version: string;
    readonly generated_at: string;
    readonly project_name: string;
    readonly adapter_type: string;
    readonly target_name: string;
  };
  readonly nodes: Readonly<Record<string, ManifestNode>>;
  readonly sources: Readonly<Record<string, SourceNode>>;
  readonly macros: Readonly<Record<string, MacroNode>>;
  readonly docs: Readonly<Record<string, DocNode>>;
  readonly disabled: Readonly<Record<string, readonly ManifestNode[]>>;
  readonly parent_map: Readonly<Record<string, readonly string[]>>;
  readonly child_map: Readonly<Record<string, readonly string[]>>;
  /** Semantic layer and feature definitions, raw (validated by semantic/ and features/). */
  readonly semantic: Readonly<Record<string, unknown>>;
  /** dbt 1.8 unit tests in dbt's manifest shape (also in `nodes` as resource_type 'unit_test', to run). */
  readonly unit_tests?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** dbt exposures (dashboards, notebooks, ... that read the project), end nodes of the graph. */
  readonly exposures?: Readonly<Record<string, ExposureNode>>;
}

/** A dbt exposure in the manifest (`exposure.<package>.<name>`). */
export interface ExposureNode {
  readonly unique_id: string;
  readonly resource_type: 'exposure';
  readonly name: string;
  readonly package_name: string;
  readonly path: string;
  readonly original_file_path: string;
  readonly fqn: readonly string[];
  readonly type: 'dashboard' | 'notebook' | 'analysis' | 'ml' | 'application';
  readonly owner: { readonly email: string | null; readonly name: string | null };
  readonly description: string;
  readonly label: string | null;
  readonly maturity: string | null;
  readonly url: string | null;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, unknown>>;
  readonly config: Readonly<Record<string, unknown>>;
  readonly depends_on: { readonly nodes: readonly string[]; readonly macros: readonly string[] };
  readonly refs: readonly { readonly name: string; readonly package: string | null; readonly version?: string }[];
  readonly sources: readonly (readonly [string, string])[];
  readonly metrics: readonly (readonly string[])[];
  readonly loc: { readonly line: number; readonly col: number };
}
