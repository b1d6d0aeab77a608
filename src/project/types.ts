/** Plain data handed from `project/` to `compiler/`: the files of a project and its settings. */

import type { Diagnostic } from '../diagnostics/index.js';

/** A position in a user's file (1-based). */
export interface Location {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** One source file of the project. `path` is relative to the project root, posix separators. */
export interface SourceFile {
  readonly path: string;
  readonly contents: string;
  /** sha256 hex of contents (used for caching and state:modified). */
  readonly hash: string;
}

/** A CSV seed: the file itself is not read here (it may be large); only its identity. */
export interface SeedFile {
  readonly path: string;
  /** sha256 hex of the file, or of size+mtime when larger than 1 MiB. */
  readonly hash: string;
}

/** Node config as users write it (dbt keys, `+` prefixes stripped). Values are untyped JSON. */
export type NodeConfigInput = Readonly<Record<string, unknown>>;

/**
 * Folder-level config tree from `models:` / `seeds:` / `snapshots:` / `tests:` in the project
 * file, with `+` stripped from keys. Keys that are not config keys are sub-folders (or the
 * project name at the top level), exactly as dbt reads them.
 */
export interface FolderConfigTree {
  readonly config: NodeConfigInput;
  readonly children: Readonly<Record<string, FolderConfigTree>>;
}

export interface ProjectConfig {
  /** Absolute path of the project file. */
  readonly file: string;
  readonly kind: 'strata' | 'dbt';
  readonly name: string;
  readonly version?: string;
  readonly profile: string;
  readonly modelPaths: readonly string[];
  readonly seedPaths: readonly string[];
  readonly snapshotPaths: readonly string[];
  readonly macroPaths: readonly string[];
  readonly testPaths: readonly string[];
  readonly analysisPaths: readonly string[];
  readonly docsPaths: readonly string[];
  readonly semanticPaths: readonly string[];
  readonly targetPath: string;
  /** Project vars; may be nested per package as in dbt (`vars: {my_project: {x: 1}}`). */
  readonly vars: Readonly<Record<string, unknown>>;
  readonly models: FolderConfigTree;
  readonly seeds: FolderConfigTree;
  readonly snapshots: FolderConfigTree;
  readonly tests: FolderConfigTree;
  readonly onRunStart: readonly string[];
  readonly onRunEnd: readonly string[];
  /** Query comment, dispatch config, etc. kept raw for later stages. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Online store location for the feature store. */
export type OnlineStoreConfig =
  | { readonly type: 'redis'; readonly url: string }
  | { readonly type: 'postgres' };

/**
 * An API key of the SQL API (`sql_api_keys:` of a profile output): a user name whose password is
 * checked with SCRAM-SHA-256, standing for a role of the access policy with fixed claims.
 */
export interface SqlApiKeyConfig {
  readonly user: string;
  readonly role: string;
  readonly claims: Readonly<Record<string, unknown>>;
  /** A PostgreSQL SCRAM verifier (`SCRAM-SHA-256$4096:…`), or the key itself (from env_var). */
  readonly scram?: string;
  readonly password?: string;
}

/** The resolved profile output the run talks to. Secrets stay here, never in artifacts. */
export type ResolvedTarget =
  | {
      readonly type: 'postgres';
      readonly name: string;
      readonly profileName: string;
      readonly host: string;
      readonly port: number;
      readonly user: string;
      readonly password?: string;
      readonly dbname: string;
      readonly schema: string;
      readonly threads: number;
      readonly sslmode?: string;
      /** Where the settings came from: a profiles.yml path, 'env:STRATA_DATABASE_URL' or 'default'. */
      readonly origin: string;
      readonly onlineStore?: OnlineStoreConfig;
      readonly sqlApiKeys?: readonly SqlApiKeyConfig[];
    }
  | {
      readonly type: 'pglite';
      readonly name: string;
      readonly profileName: string;
      /** Absolute data directory (default `<project>/.strata/pglite`), or 'memory://'. */
      readonly path: string;
      readonly dbname: string;
      readonly schema: string;
      readonly threads: number;
      readonly origin: string;
      readonly onlineStore?: OnlineStoreConfig;
      readonly sqlApiKeys?: readonly SqlApiKeyConfig[];
    };

/** `target` as templates see it (dbt names), without secrets. */
export function targetContext(t: ResolvedTarget): Record<string, unknown> {
  const common = {
    name: t.name,
    profile_name: t.profileName,
    type: t.type === 'pglite' ? 'postgres' : t.type,
    adapter_type: t.type,
    schema: t.schema,
    database: t.dbname,
    dbname: t.dbname,
    threads: t.threads,
  };
  return t.type === 'postgres'
    ? { ...common, host: t.host, port: t.port, user: t.user }
    : { ...common, host: 'localhost', port: 5432, user: 'postgres', path: t.path };
}

/** A generic or custom test attached in schema YAML. */
export interface TestSpec {
  /** Test name, possibly namespaced: 'unique', 'accepted_values', 'dbt_utils.expression_is_true'. */
  readonly name: string;
  /** Keyword arguments (values, to, field, ...). `column_name` is set for column tests. */
  readonly args: Readonly<Record<string, unknown>>;
  /** Test config (severity, where, warn_if, error_if, limit, store_failures, tags, ...). */
  readonly config: NodeConfigInput;
  /** Explicit test `name:` if the user gave one. */
  readonly customName?: string;
  readonly loc: Location;
}

export interface ColumnSpec {
  readonly name: string;
  readonly description: string;
  readonly dataType?: string;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly tags: readonly string[];
  readonly constraints: readonly unknown[];
  readonly tests: readonly TestSpec[];
  readonly loc: Location;
}

/** An entry under `models:`, `seeds:` or `snapshots:` in a schema YAML file. */
export interface NodeProperties {
  readonly name: string;
  readonly description: string;
  readonly config: NodeConfigInput;
  readonly columns: readonly ColumnSpec[];
  readonly tests: readonly TestSpec[];
  readonly meta: Readonly<Record<string, unknown>>;
  readonly docs?: Readonly<Record<string, unknown>>;
  /**
   * Other dbt properties of the entry, kept raw: `constraints` (model-level contract
   * constraints), `versions`, `latest_version`, `access`, `group`, `deprecation_date`, ...
   */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** dbt model versions (`versions:`), each with its own merged properties. */
  readonly versions?: readonly ModelVersionSpec[];
  /** `latest_version:` or, when absent, the highest `v` (numeric if all are numbers). */
  readonly latestVersion?: string | number;
  readonly loc: Location;
}

/**
 * One entry of a model's `versions:`. `props` are the model's properties with the version's laid
 * over them: columns after `include`/`exclude`, config merged, tests of the version (else the model's).
 */
export interface ModelVersionSpec {
  readonly v: string | number;
  /** File name (no extension) holding its SQL; default `<model>_v<v>`. */
  readonly definedIn?: string;
  readonly props: NodeProperties;
  readonly loc: Location;
}

/** A ref()/source()/metric() call in an exposure's `depends_on`, parsed. */
export interface ExposureDependency {
  readonly kind: 'ref' | 'source' | 'metric';
  /** ref: [name] or [package, name]; source: [source, table]; metric: [name]. */
  readonly args: readonly string[];
  readonly version?: string | number;
  readonly text: string;
  readonly loc: Location;
}

/** An entry of `exposures:` in a properties file (dbt exposure). */
export interface ExposureSpec {
  readonly name: string;
  readonly type: 'dashboard' | 'notebook' | 'analysis' | 'ml' | 'application';
  readonly owner: { readonly name?: string; readonly email?: string };
  readonly dependsOn: readonly ExposureDependency[];
  readonly url?: string;
  readonly maturity?: 'low' | 'medium' | 'high';
  readonly description: string;
  readonly label?: string;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, unknown>>;
  readonly config: NodeConfigInput;
  readonly loc: Location;
}

export interface SourceTableSpec {
  readonly sourceName: string;
  readonly name: string;
  readonly identifier: string;
  readonly schema: string;
  readonly database?: string;
  readonly description: string;
  readonly sourceDescription: string;
  readonly loader?: string;
  readonly loadedAtField?: string;
  /** `{warn_after: {count, period}, error_after: {...}, filter}`; table overrides source. */
  readonly freshness?: Readonly<Record<string, unknown>> | null;
  readonly columns: readonly ColumnSpec[];
  readonly tests: readonly TestSpec[];
  readonly meta: Readonly<Record<string, unknown>>;
  readonly tags: readonly string[];
  readonly config: NodeConfigInput;
  readonly loc: Location;
}

/** A parsed schema YAML file (`models:`, `sources:`, `seeds:`, `snapshots:`, ...). */
export interface SchemaFile {
  readonly path: string;
  readonly hash: string;
  readonly models: readonly NodeProperties[];
  readonly seeds: readonly NodeProperties[];
  readonly snapshots: readonly NodeProperties[];
  readonly sources: readonly SourceTableSpec[];
  /** `exposures:` (absent in files parsed before exposures were read). */
  readonly exposures?: readonly ExposureSpec[];
  /** Top-level keys this loader does not handle (semantic_models, metrics, entities, ...), raw. */
  readonly other: Readonly<Record<string, unknown>>;
}

/** Everything the compiler needs, read from disk once. */
/** An installed package (a project under dbt_packages/); file paths are relative to the root project. */
export interface PackageFiles {
  readonly name: string;
  /** Its directory relative to the root project, e.g. 'dbt_packages/dbt_utils'. */
  readonly dir: string;
  readonly config: ProjectConfig;
  readonly macros: readonly SourceFile[];
  readonly docs: readonly SourceFile[];
  readonly models: readonly SourceFile[];
  readonly seeds: readonly SeedFile[];
  /** Its properties files (descriptions, columns, tests of its models and seeds). */
  readonly schemaFiles: readonly SchemaFile[];
}

export interface ProjectFiles {
  /** Absolute project root. */
  readonly root: string;
  readonly config: ProjectConfig;
  readonly target: ResolvedTarget;
  /** Vars given with --vars (already parsed). They override project vars. */
  readonly cliVars: Readonly<Record<string, unknown>>;
  readonly models: readonly SourceFile[];
  /** `.sql` files in macro paths (they may also hold `{% test %}` and `{% materialization %}`). */
  readonly macros: readonly SourceFile[];
  /** `.md` files in model/docs paths holding `{% docs %}` blocks. */
  readonly docs: readonly SourceFile[];
  readonly snapshots: readonly SourceFile[];
  /** Singular tests: `.sql` files in test paths (files under `tests/generic/` go to `macros`). */
  readonly tests: readonly SourceFile[];
  readonly analyses: readonly SourceFile[];
  readonly seeds: readonly SeedFile[];
  readonly schemaFiles: readonly SchemaFile[];
  /** Installed packages (dbt_packages/), in directory order. */
  readonly packages?: readonly PackageFiles[];
  /** Non-fatal diagnostics found while loading (unknown keys, ...), for the CLI to show. */
  readonly warnings?: readonly Diagnostic[];
}
