/**
 * The data of the docs site: plain JSON written next to `index.html` as JS files (fetch() does
 * not work on file://). The site loads the small graph index at start and a node's details shard
 * only when its page opens, so a 10,000-model project opens as fast as a small one.
 */
import type { ColumnSource } from './column-lineage.js';

export type DocsNodeType =
  | 'source'
  | 'seed'
  | 'snapshot'
  | 'model'
  | 'analysis'
  | 'semantic_model'
  | 'metric'
  | 'feature_view'
  | 'feature_service'
  | 'exposure';

/**
 * Everything the site needs at start: every lineage node as parallel arrays (compact: ~60 bytes a
 * node), edges as parent indices, and how details are sharded.
 */
export interface DocsIndex {
  readonly project: string;
  readonly generatedAt: string;
  readonly ids: readonly string[];
  readonly names: readonly string[];
  readonly types: readonly DocsNodeType[];
  /** Short context shown in search results: file path, `metric (ratio)`, … */
  readonly hints: readonly string[];
  /** parents[i] = indices of nodes that node i reads from. */
  readonly parents: readonly (readonly number[])[];
  /** Node i's details are in shard `Math.floor(i / shardSize)` (file `data/nodes-<k>.js`). */
  readonly shardSize: number;
  readonly counts: Readonly<Partial<Record<DocsNodeType, number>>>;
  /** Packages, the root project first; `pkg[i]` indexes it (project tree: package → folders → node). */
  readonly packages: readonly string[];
  readonly pkg: readonly number[];
  /** File a node is defined in, relative to its package (`models/marts/fct_orders.sql`); '' for none. */
  readonly paths: readonly string[];
  /** `[database, schema, identifier]` of the relation a node builds or reads; null when none. */
  readonly relations: readonly (readonly [string, string, string] | null)[];
  /** Tag names; `nodeTags[i]` indexes into it. */
  readonly tagNames: readonly string[];
  readonly nodeTags: readonly (readonly number[])[];
  /** What the landing page shows. */
  readonly landing: Landing;
}

export interface Landing {
  /** Markdown of the project's `{% docs __overview__ %}` block, else null. */
  readonly overview: string | null;
  /** Most recently changed nodes: [node index, ISO time of the last change of its files]. */
  readonly recent: readonly (readonly [number, string])[];
  /** Slowest models of the last run (`run_results.json`): [node index, seconds]. */
  readonly slowest: readonly (readonly [number, number])[];
  /** Largest models of the last run by rows affected: [node index, rows]. */
  readonly largest: readonly (readonly [number, number])[];
}

/**
 * The prebuilt full-text index (`data/search.js`, loaded after the site is usable): a sorted
 * token dictionary and, per token, its postings `node * 4 + field` delta-encoded (ascending),
 * where field 0 = name, 1 = column name, 2 = description / column description / tag / owner,
 * 3 = SQL. Tokens are lower-case identifiers and words, plus the parts of `a_b` identifiers.
 */
export interface SearchIndex {
  readonly tokens: readonly string[];
  readonly postings: readonly (readonly number[])[];
}

/** A test and its last status from `run_results.json` (`pass`, `fail`, `warn`, `error`; null = never run). */
export interface TestDoc {
  readonly name: string;
  readonly status: string | null;
}

export interface ColumnDoc {
  readonly name: string;
  readonly description: string;
  /** From the YAML `data_type`, else the catalog (catalog.json / seed inference); null = unknown. */
  readonly type: string | null;
  /** Tests on this column (`unique`, `not_null`, `accepted_values`, …) with their last status. */
  readonly tests: readonly TestDoc[];
  /** Contract constraints of the column (`not_null`, `check (amount > 0)`, …), when declared. */
  readonly constraints?: readonly string[];
  /** Upstream columns (models only); absent when lineage was not computed. */
  readonly lineage?: {
    readonly sources: readonly ColumnSource[];
    readonly status: 'resolved' | 'partial' | 'unresolved';
    readonly direct: boolean;
    readonly reason?: string;
  };
  /** Columns of other nodes computed from this one (the reverse of their `lineage.sources`). */
  readonly downstream?: readonly ColumnSource[];
}

export interface LastRun {
  readonly status: string;
  readonly executionTime: number;
  readonly message: string | null;
  readonly rowsAffected: number | null;
  readonly completedAt: string | null;
}

export interface FreshnessDoc {
  /** `warn after 12 hours, error after 1 day` */
  readonly criteria: string;
  readonly loadedAtField: string | null;
  /** Last `strata source freshness` result, when one is recorded. */
  readonly status?: string;
  readonly maxLoadedAt?: string | null;
  readonly snapshottedAt?: string | null;
}

interface DetailBase {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly file: string | null;
}

/** Models, seeds, snapshots and analyses. */
export interface NodeDetail extends DetailBase {
  readonly kind: 'node';
  readonly resourceType: string;
  readonly materialized: string;
  readonly relation: string | null;
  readonly tags: readonly string[];
  readonly owner: string | null;
  readonly rawCode: string;
  readonly compiledCode: string | null;
  readonly columns: readonly ColumnDoc[];
  /** Tests not attached to one column (singular tests, multi-column generic tests). */
  readonly tests: readonly TestDoc[];
  readonly lastRun: LastRun | null;
  readonly freshness: FreshnessDoc | null;
  /** Why column lineage is missing for this model (e.g. `select *` over an unknown relation). */
  readonly lineageError?: string;
  /** Versioned models: this node's version and whether it is the model's latest. */
  readonly version?: { readonly v: string; readonly latest: boolean; readonly latestVersion: string | null };
  /** Models whose contract is enforced (`contract: {enforced: true}`). */
  readonly contractEnforced?: boolean;
  /** Model-level contract constraints (`primary_key (order_id)`, …). */
  readonly constraints?: readonly string[];
  /** dbt unit tests of this model. */
  readonly unitTests?: readonly { readonly name: string; readonly description: string }[];
}

/** A dbt exposure (dashboard, notebook, …): an end node of the lineage. */
export interface ExposureDetail extends DetailBase {
  readonly kind: 'exposure';
  readonly label: string | null;
  readonly exposureType: string;
  readonly owner: { readonly name: string | null; readonly email: string | null };
  readonly url: string | null;
  readonly maturity: string | null;
  readonly tags: readonly string[];
  /** unique_ids of the nodes it reads (`depends_on.nodes`). */
  readonly dependsOn: readonly string[];
}

export interface SourceDetail extends DetailBase {
  readonly kind: 'source';
  readonly sourceName: string;
  readonly relation: string;
  readonly loader: string;
  readonly tags: readonly string[];
  readonly columns: readonly ColumnDoc[];
  readonly freshness: FreshnessDoc | null;
}

export interface SemanticModelDetail extends DetailBase {
  readonly kind: 'semantic_model';
  readonly relation: string;
  readonly primaryKey: string | null;
  readonly dimensions: readonly { readonly name: string; readonly type: string; readonly expr: string; readonly granularities: readonly string[]; readonly description: string }[];
  readonly measures: readonly { readonly name: string; readonly agg: string; readonly expr: string; readonly description: string }[];
  readonly joins: readonly { readonly to: string; readonly relationship: string; readonly on: string }[];
  readonly segments: readonly string[];
}

export interface MetricDetail extends DetailBase {
  readonly kind: 'metric';
  readonly type: string;
  /** The definition as key → text (`measure: sales.revenue`, `filter: …`, `expr: …`). */
  readonly definition: Readonly<Record<string, string>>;
  readonly filter: string | null;
  /** Dimension members it can be grouped by (its models' and the models they join to). */
  readonly dimensions: readonly string[];
  /** Hierarchies whose levels it can be grouped by. */
  readonly hierarchies: readonly { readonly name: string; readonly levels: readonly string[] }[];
}

export interface FeatureViewDetail extends DetailBase {
  readonly kind: 'feature_view';
  readonly entity: string;
  readonly joinKeys: readonly string[];
  readonly source: string;
  readonly timestamp: string;
  readonly ttl: string | null;
  readonly online: boolean;
  readonly owner: string | null;
  readonly tags: readonly string[];
  readonly features: readonly { readonly name: string; readonly type: string; readonly description: string; readonly impute: string | null }[];
}

export interface FeatureServiceDetail extends DetailBase {
  readonly kind: 'feature_service';
  readonly owner: string | null;
  readonly tags: readonly string[];
  readonly features: readonly { readonly view: string; readonly feature: string; readonly type: string | null }[];
}

export type DocsDetail = NodeDetail | SourceDetail | SemanticModelDetail | MetricDetail | FeatureViewDetail | FeatureServiceDetail | ExposureDetail;

/** The whole site data, before it is split into the index and the detail shards. */
export interface DocsData {
  readonly index: DocsIndex;
  /** details[i] describes index.ids[i]. */
  readonly details: readonly DocsDetail[];
  /** The full-text index over names, columns, descriptions, tags, owners and SQL. */
  readonly search: SearchIndex;
}

/** Name of the global the data scripts assign to / call (`window.__strataDocs…`). */
export const DATA_GLOBAL = '__strataDocs';
