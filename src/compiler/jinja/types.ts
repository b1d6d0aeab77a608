/**
 * Contract between the manifest builder (src/compiler/*.ts) and the dbt-compatible Jinja
 * renderer (src/compiler/jinja/*). Everything crossing it is plain data except the optional
 * callbacks in RendererOptions.
 */
import type { Diagnostic } from '../../diagnostics/index.js';
import type { SourceFile } from '../../project/types.js';

/** Where a relation lives; what `ref('x').schema` etc. return. */
export interface RelationInfo {
  readonly database: string;
  readonly schema: string;
  readonly identifier: string;
}

/**
 * Placeholders the renderer prints for `{{ ref(...) }}`, `{{ source(...) }}` and `{{ this }}`.
 * The builder replaces them with quoted relation names (or ephemeral CTE names) after every
 * node has been rendered, because a node's final alias/schema is only known after its own
 * `config()` ran. They contain NUL characters so they can never collide with user SQL.
 */
export function refPlaceholder(name: string, pkg?: string | null): string {
  return `\u0000ref\u0001${pkg ?? ''}\u0001${name}\u0000`;
}
export function sourcePlaceholder(sourceName: string, tableName: string): string {
  return `\u0000src\u0001${sourceName}\u0001${tableName}\u0000`;
}
/** Matches both kinds: groups (kind, pkg-or-source, name-or-table). */
export const PLACEHOLDER_RE = /\u0000(ref|src)\u0001([^\u0000\u0001]*)\u0001([^\u0000\u0001]*)\u0000/g;

/** The node being rendered, as known before rendering (folder config < YAML config). */
export interface RenderNode {
  readonly unique_id: string;
  readonly name: string;
  readonly resource_type: 'model' | 'seed' | 'snapshot' | 'test' | 'analysis' | 'operation';
  readonly package_name: string;
  /** Project-relative path of the file being rendered (diagnostics point here). */
  readonly original_file_path: string;
  readonly database: string;
  readonly schema: string;
  readonly alias: string;
  /** Effective config before rendering; `config.get()` reads it merged with in-file config(). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Line in the file where the rendered text starts (snapshot bodies start inside a file). */
  readonly lineOffset?: number;
}

/** Result of one successful render. */
export interface RenderResult {
  /** Rendered SQL with ref/source/this placeholders still in it. */
  readonly sql: string;
  /** `sql` back to the template's lines (compiler/source-map.ts); absent for generic tests. */
  readonly sourceMap?: readonly number[];
  /** Keys passed to `config(...)` in the file (merged in call order), raw JSON values. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly refs: readonly { readonly name: string; readonly package: string | null }[];
  readonly sources: readonly { readonly source: string; readonly table: string }[];
  /** Qualified names ('<package>.<macro>') of every macro called, including nested ones. */
  readonly macros: readonly string[];
  /** var name -> value it resolved to (JSON), for every `var()` call. */
  readonly varsRead: Readonly<Record<string, unknown>>;
  /** env var name -> value read (null when absent and a default was used). */
  readonly envRead: Readonly<Record<string, string | null>>;
  /** True when the template read `target` (any attribute). */
  readonly readsTarget: boolean;
  /** Names of `doc()` blocks used. */
  readonly docs: readonly string[];
  /** `exceptions.warn(...)` calls (severity 'warning'), located at the call. Optional extension. */
  readonly warnings?: readonly Diagnostic[];
  /** `log(msg, info)` / `print(msg)` calls, in order. Optional extension. */
  readonly logs?: readonly { readonly message: string; readonly info: boolean }[];
  /** True when the render read `execute` or asked the database: render again before running. */
  readonly dynamic?: boolean;
  /** SQL of `{% call statement('main') %}` blocks run during the render (materializations). */
  readonly mainSql?: readonly string[];
}

export type MacroCallOutcome =
  | { readonly ok: true; readonly value: unknown; readonly result: RenderResult }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

export type RenderOutcome =
  | { readonly ok: true; readonly result: RenderResult }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** A macro found in macro files (for manifest.macros and state checksums). */
export interface MacroInfo {
  /** '<package>.<name>', e.g. 'my_project.cents_to_dollars' or 'dbt_utils.star'. */
  readonly unique_name: string;
  readonly name: string;
  readonly package_name: string;
  readonly original_file_path: string;
  readonly line: number;
  readonly col: number;
  readonly arguments: readonly string[];
  readonly macro_sql: string;
  /** sha256 of macro_sql. */
  readonly hash: string;
  /** True for built-in macros shipped with Strata. */
  readonly builtin: boolean;
}

export interface DocBlock {
  readonly name: string;
  readonly contents: string;
  readonly original_file_path: string;
  readonly line: number;
}

/** A `{% snapshot name %}...{% endsnapshot %}` block found in a snapshot file. */
export interface SnapshotBlock {
  readonly name: string;
  /** The body between the tags, raw (rendered later with `render`). */
  readonly body: string;
  /** 1-based line of the body's first character in the file. */
  readonly line: number;
}

/** A query's result as the renderer receives it (the last statement's, for several). */
export interface QueryTable {
  readonly columns: readonly { readonly name: string; readonly typeId: number }[];
  readonly rows: readonly (readonly unknown[])[];
  readonly rowCount: number;
}

/**
 * Synchronous query hook for execution-time rendering. Rendering is synchronous; the run-time
 * renderer (compiler/run-render.ts) answers from results it already fetched and throws
 * PendingQuery for a new statement, runs it, and renders again.
 */
export type QueryRunner = (sql: string) => QueryTable;

/** An installed package as the renderer needs it. */
export interface RenderPackage {
  readonly name: string;
  readonly macroFiles: readonly SourceFile[];
  /** Vars from the package's own project file (defaults for its nodes). */
  readonly vars: Readonly<Record<string, unknown>>;
}

export interface RendererOptions {
  readonly projectName: string;
  /** User macro files; their `{% macro %}`, `{% test %}` and `{% materialization %}` blocks. */
  readonly macroFiles: readonly SourceFile[];
  /** `.md` files with `{% docs name %}` blocks. */
  readonly docFiles: readonly SourceFile[];
  /** Installed packages: their macro files (paths relative to the root project) and vars. */
  readonly packages?: readonly RenderPackage[];
  /** The root project's `dispatch:` config (search orders per macro namespace). */
  readonly dispatch?: readonly { readonly macro_namespace: string; readonly search_order: readonly string[] }[];
  /** `target` as templates see it (see targetContext in project/types.ts). */
  readonly target: Readonly<Record<string, unknown>>;
  /** Project vars (may be nested per package as dbt allows) and --vars (override). */
  readonly projectVars: Readonly<Record<string, unknown>>;
  readonly cliVars: Readonly<Record<string, unknown>>;
  /** Environment for env_var(); defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * `flags.FULL_REFRESH`, `flags.WHICH`, used by is_incremental(); `empty` (dbt's `--empty`):
   * every ref()/source() renders as a zero-row subquery (see jinja/relation.ts).
   */
  readonly flags?: { readonly fullRefresh?: boolean; readonly which?: string; readonly empty?: boolean };
  /** For attribute access on relations (`ref('x').identifier`); undefined = not (yet) known. */
  readonly relationFor?: (
    kind: 'ref' | 'source',
    a: string,
    b: string | null,
  ) => RelationInfo | undefined;
  /** Optional live query hook; without it run_query raises a clear compile-time diagnostic. */
  readonly queryRunner?: QueryRunner;
  /** dbt's `graph` (nodes, sources, ... by unique id) at execution time; empty while parsing. */
  readonly graph?: Readonly<Record<string, unknown>>;
  /** dbt's `execute`: false while parsing (default), true when rendering right before a node runs. */
  readonly execute?: boolean;
  /** Whether the relation for `this` already exists (for is_incremental()); default false. */
  readonly relationExists?: (node: RenderNode) => boolean;
}

export interface Renderer {
  /** Problems in macro/doc files found at construction (syntax errors, duplicates). */
  readonly diagnostics: readonly Diagnostic[];
  readonly macros: readonly MacroInfo[];
  readonly docs: Readonly<Record<string, DocBlock>>;
  /** Render a model/analysis/singular test/snapshot body. */
  render(node: RenderNode, source: string): RenderOutcome;
  /**
   * Render a generic test: `testName` is 'unique' | 'not_null' | 'accepted_values' |
   * 'relationships' | a custom `{% test %}` name (optionally 'namespace.name'). `kwargs` are the
   * YAML arguments; string values that are Jinja (`ref('x')`, `{{ ... }}`) are rendered first.
   * `model` is passed as the attached relation placeholder (`modelRef`).
   */
  renderGenericTest(
    node: RenderNode,
    testName: string,
    kwargs: Readonly<Record<string, unknown>>,
    model: { readonly kind: 'ref'; readonly name: string; readonly package?: string } | { readonly kind: 'source'; readonly source: string; readonly table: string },
  ): RenderOutcome;
  /**
   * Call a macro by name (`dbt_utils.x` or unqualified, resolved as templates resolve it) with
   * keyword arguments; `context` adds names for the call (a materialization's `sql`,
   * `pre_hooks`, ...). The outcome carries the macro's return value (`return(...)`), not text.
   */
  callMacro(
    node: RenderNode,
    name: string,
    args: Readonly<Record<string, unknown>>,
    context?: Readonly<Record<string, unknown>>,
  ): MacroCallOutcome;
  /** Snapshot blocks in a snapshot file (syntax problems come back as diagnostics). */
  snapshotBlocks(file: SourceFile): { blocks: readonly SnapshotBlock[]; diagnostics: readonly Diagnostic[] };
}
