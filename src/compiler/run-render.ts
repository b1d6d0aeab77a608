/**
 * Execution-time rendering, as dbt does it: a node whose parse was dynamic (it read `execute` or
 * asked the database) is rendered again right before it runs, with `execute` true and the live
 * connection, after its parents were built.
 *
 * The bridge between synchronous Nunjucks and the asynchronous drivers is a replay: the render
 * runs synchronously; the first statement it has no result for throws PendingQuery, which
 * unwinds the render; the statement is run on the connection and the render starts again,
 * answering every earlier statement from the results already fetched, in order. A render that
 * makes k database calls therefore runs k + 1 times (each a fraction of a millisecond); nothing
 * is run twice, the render shares the run's connection pool (and PGlite's single in-process
 * database, which a worker thread could not reach), and no thread blocks. A node that makes no
 * call is rendered once, exactly as at parse.
 */
import type { Diagnostic } from '../diagnostics/index.js';
import type { ProjectFiles } from '../project/types.js';
import { plainRendererOptions } from './build-manifest.js';
import { createRenderer } from './jinja/index.js';
import { PendingQuery } from './jinja/render-state.js';
import type { MacroCallOutcome, QueryTable, RenderNode, RenderOutcome, RenderResult, Renderer } from './jinja/types.js';
import { injectCtes, resolvePlaceholders, type RelationTarget } from './resolve-relations.js';
import { applyEdits, compiledSourceMap, type SourceMap, type TextEdit } from './source-map.js';
import type { Manifest, ManifestNode, SourceNode } from './types.js';

/** The one database call execution-time rendering needs (a WarehouseAdapter satisfies it). */
export interface QueryPort {
  queryTable(sql: string): Promise<QueryTable>;
}

export type RunRenderOutcome =
  | { readonly ok: true; readonly node: ManifestNode; readonly queries: number; readonly logs: readonly string[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

export type MacroRunOutcome =
  | { readonly ok: true; readonly value: unknown; readonly statements: readonly string[]; readonly logs: readonly string[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly statements: readonly string[] };

export interface RunRenderer {
  /** Render a node (and its dynamic hooks) against the live database; the node with its final SQL. */
  render(node: ManifestNode): Promise<RunRenderOutcome>;
  /**
   * Run a user `{% materialization %}` for a node: the macro runs in dbt's context (`this`,
   * `config`, `sql`, `pre_hooks`, `post_hooks`, `statement('main')`, `adapter`, ...); every
   * statement it sends runs on the connection. The value is what it returned (`{'relations': [...]}`).
   */
  materialize(node: ManifestNode): Promise<MacroRunOutcome>;
  /** `run-operation`: call a macro with arguments in the root project's context. */
  operation(node: RenderNode, macro: string, args: Readonly<Record<string, unknown>>): Promise<MacroRunOutcome>;
}

export interface RunRenderOptions {
  readonly fullRefresh?: boolean;
  /** dbt's `--empty`: ref() and source() render as zero-row subqueries (`this` unchanged). */
  readonly empty?: boolean;
  readonly which?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Whether a node's relation exists (is_incremental()). */
  readonly relationExists?: (node: RenderNode) => boolean;
}

/** Statements one render may run before it is considered a runaway loop. */
const MAX_STATEMENTS = 10_000;

const RELATIONAL = new Set(['model', 'seed', 'snapshot']);

/**
 * The manifest's relations indexed once per run: a ref by package and name (unqualified: the
 * root project's node first, as dbt resolves it), a source by source and table name.
 */
function indexRelations(manifest: Manifest): {
  node(pkg: string | null, name: string): ManifestNode | undefined;
  source(sourceName: string, table: string): SourceNode | undefined;
} {
  const byName = new Map<string, ManifestNode>();
  for (const n of Object.values(manifest.nodes)) {
    if (!RELATIONAL.has(n.resource_type)) continue;
    // a model version answers to 'm.v2'; the latest one also to 'm'
    const keys = n.version === undefined ? [n.name] : String(n.version) === String(n.latest_version) ? [`${n.name}.v${n.version}`, n.name] : [`${n.name}.v${n.version}`];
    for (const k of keys) {
      byName.set(`${n.package_name}.${k}`, n);
      if (!byName.has(`.${k}`) || n.package_name === manifest.metadata.project_name) byName.set(`.${k}`, n);
    }
  }
  const sources = new Map(Object.values(manifest.sources).map((s) => [`${s.source_name}.${s.name}`, s]));
  return {
    node: (pkg, name) => (pkg ? byName.get(`${pkg}.${name}`) : undefined) ?? byName.get(`.${name}`),
    source: (sourceName, table) => sources.get(`${sourceName}.${table}`),
  };
}

/** Placeholder lookup against the final manifest (relations, sources, ephemeral CTEs). */
export function manifestLookup(manifest: Manifest): (kind: 'ref' | 'src', a: string, b: string) => RelationTarget | undefined {
  const index = indexRelations(manifest);
  return (kind, a, b) => {
    if (kind === 'src') {
      const s = index.source(a, b);
      return s ? { kind: 'relation', sql: s.relation_name } : undefined;
    }
    const n = index.node(a || null, b);
    if (!n) return undefined;
    if (n.config.materialized === 'ephemeral') return { kind: 'ephemeral', name: b.replace(/\./g, '_'), id: n.unique_id };
    return n.relation_name ? { kind: 'relation', sql: n.relation_name } : undefined;
  };
}

function renderNodeOf(n: ManifestNode): RenderNode {
  return {
    unique_id: n.unique_id,
    name: n.name,
    resource_type: n.resource_type === 'unit_test' ? 'test' : n.resource_type,
    package_name: n.package_name,
    original_file_path: n.original_file_path,
    database: n.database,
    schema: n.schema,
    alias: n.alias,
    config: n.config as unknown as Record<string, unknown>,
  };
}

/**
 * Create the execution-time renderer for one run.
 *
 * @example
 * const rr = createRunRenderer(files, manifest, adapter);
 * const out = await rr.render(manifest.nodes['model.shop.obt_sales']);
 * // out.ok && out.node.compiled_code === 'select "product_key", "name", ... from "db"."s"."dim_product"'
 */
export function createRunRenderer(files: ProjectFiles, manifest: Manifest, db: QueryPort, opts: RunRenderOptions = {}): RunRenderer {
  const lookup = manifestLookup(manifest);
  const resolve = (sql: string): string => resolvePlaceholders(sql, lookup);
  const index = indexRelations(manifest);
  const lookupInfo = (kind: 'ref' | 'source', a: string, b: string | null): { database: string; schema: string; identifier: string } | undefined => {
    if (kind === 'source') {
      const s = b === null ? undefined : index.source(a, b);
      return s ? { database: s.database, schema: s.schema, identifier: s.identifier } : undefined;
    }
    const n = b === null ? index.node(null, a) : index.node(a, b);
    return n ? { database: n.database, schema: n.schema, identifier: n.alias } : undefined;
  };

  // The statements of the render attempt in progress (attempts are synchronous: never interleaved).
  let active: { memo: { sql: string; result: QueryTable }[]; cursor: number } | null = null;
  const runner = (sql: string): QueryTable => {
    const a = active;
    if (a === null) throw new Error('query outside an execution-time render');
    const resolved = resolve(sql);
    const m = a.memo[a.cursor];
    if (m !== undefined && m.sql === resolved) {
      a.cursor++;
      return m.result;
    }
    // A render that took another path than last time: forget what follows and ask again.
    a.memo.length = a.cursor;
    throw new PendingQuery(resolved);
  };

  let renderer: Renderer | undefined;
  const getRenderer = (): Renderer =>
    (renderer ??= createRenderer({
      ...plainRendererOptions(files, opts.env ?? process.env, opts),
      execute: true,
      queryRunner: runner,
      graph: { nodes: manifest.nodes, sources: manifest.sources, exposures: {}, metrics: {}, macros: manifest.macros, groups: {}, semantic_models: {}, saved_queries: {} },
      relationFor: lookupInfo,
      ...(opts.relationExists ? { relationExists: opts.relationExists } : {}),
    }));

  /** Render with the replay bridge; database errors fail the render with the node's file. */
  const drive = async <T extends { readonly ok: boolean }>(
    attempt: () => T,
    node: { readonly unique_id: string; readonly original_file_path: string },
  ): Promise<{ outcome: T | Extract<RenderOutcome, { ok: false }>; queries: number; statements: string[] }> => {
    const memo: { sql: string; result: QueryTable }[] = [];
    const statements = (): string[] => memo.map((m) => m.sql);
    for (;;) {
      active = { memo, cursor: 0 };
      try {
        return { outcome: attempt(), queries: memo.length, statements: statements() };
      } catch (e) {
        if (!(e instanceof PendingQuery)) throw e;
        if (memo.length >= MAX_STATEMENTS) {
          return { outcome: failed(node, `rendering ran more than ${MAX_STATEMENTS} statements; is a macro looping?`), queries: memo.length, statements: statements() };
        }
        try {
          memo.push({ sql: e.sql, result: await db.queryTable(e.sql) });
        } catch (dbError) {
          const msg = dbError instanceof Error ? dbError.message : String(dbError);
          return {
            outcome: failed(node, `a statement run while rendering failed: ${msg}\n  statement: ${e.sql.trim().slice(0, 300)}`),
            queries: memo.length,
            statements: [...statements(), e.sql],
          };
        }
      } finally {
        active = null;
      }
    }
  };

  /** `track` (source maps): receives the placeholder edits and the text before CTE injection. */
  const finish = (sql: string, track?: { edits: TextEdit[]; body: string }): string => {
    const eph: string[] = [];
    const out = resolvePlaceholders(sql, lookup, (id) => {
      if (!eph.includes(id)) eph.push(id);
    }, track ? (at, removed, inserted) => track.edits.push({ at, removed, inserted }) : undefined);
    if (track) track.body = out;
    return injectCtes(
      out,
      eph.map((id) => {
        const e = manifest.nodes[id];
        return { name: e?.name ?? id, sql: e?.compiled_code ?? '' };
      }),
    );
  };

  return {
    async render(node) {
      const r = getRenderer();
      const rn = renderNodeOf(node);
      let queries = 0;
      const logs: string[] = [];
      const run = async (attempt: () => RenderOutcome): Promise<RenderOutcome> => {
        const d = await drive<RenderOutcome>(attempt, node);
        queries += d.queries;
        if (d.outcome.ok) for (const l of d.outcome.result.logs ?? []) logs.push(l.message);
        return d.outcome;
      };
      let compiled = node.compiled_code;
      let sourceMap = node.strata.source_map;
      if (node.strata.dynamic) {
        const meta = node.test_metadata;
        const attachedNode = node.attached_node ? manifest.nodes[node.attached_node] : undefined;
        const attachedSource = node.attached_node ? manifest.sources[node.attached_node] : undefined;
        const outcome = await run(() => {
          const model = attachedSource
            ? { kind: 'source' as const, source: attachedSource.source_name, table: attachedSource.name }
            : attachedNode
              ? { kind: 'ref' as const, name: attachedNode.name, package: attachedNode.package_name }
              : undefined;
          if (meta && model) {
            return r.renderGenericTest(rn, meta.namespace ? `${meta.namespace}.${meta.name}` : meta.name, meta.kwargs, model);
          }
          return r.render(rn, node.raw_code);
        });
        if (!outcome.ok) return { ok: false, diagnostics: outcome.diagnostics };
        const track = { edits: [] as TextEdit[], body: '' };
        compiled = finish(outcome.result.sql, track);
        sourceMap = mapOfFinished(outcome.result, track, compiled);
      }
      let config = node.config;
      for (const key of ['pre_hook', 'post_hook'] as const) {
        const templates = node.strata.raw_hooks?.[key];
        if (!templates) continue;
        const rendered: string[] = [];
        for (const t of templates) {
          const outcome = await run(() => r.render(rn, t));
          if (!outcome.ok) return { ok: false, diagnostics: outcome.diagnostics };
          rendered.push(finish(outcome.result.sql));
        }
        config = { ...config, [key]: rendered };
      }
      const { source_map: _parseTimeMap, ...strata } = node.strata;
      const withMap = sourceMap === node.strata.source_map ? node.strata : { ...strata, ...(sourceMap ? { source_map: sourceMap } : {}) };
      return { ok: true, node: { ...node, compiled_code: compiled, config, strata: withMap }, queries, logs };
    },

    async materialize(node) {
      const r = getRenderer();
      const name = String(node.config.materialized);
      // postgres before default; the root project's before a package's before Strata's own
      const root = manifest.metadata.project_name;
      const found = ['postgres', 'default']
        .map((a) => `materialization_${name}_${a}`)
        .flatMap((m) => r.macros.filter((x) => x.name === m))
        .sort((a, b) => Number(b.package_name === root) - Number(a.package_name === root) || Number(a.builtin) - Number(b.builtin))[0];
      const macro = found?.unique_name;
      if (macro === undefined) return { ok: false, diagnostics: [failedDiagnostic(node, `no {% materialization ${name} %} block is defined`)], statements: [] };
      const hooks = (v: unknown): { sql: string; transaction: boolean }[] =>
        (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).map((h: unknown) =>
          typeof h === 'string' ? { sql: h, transaction: true } : { sql: String((h as { sql?: unknown }).sql ?? ''), transaction: (h as { transaction?: unknown }).transaction !== false },
        );
      const context = {
        sql: node.compiled_code ?? '',
        compiled_code: node.compiled_code ?? '',
        pre_hooks: hooks(node.config['pre_hook']),
        post_hooks: hooks(node.config['post_hook']),
        language: 'sql',
      };
      const d = await drive(() => r.callMacro(renderNodeOf(node), macro, {}, context), node);
      if (!d.outcome.ok) return { ok: false, diagnostics: (d.outcome as Extract<RenderOutcome, { ok: false }>).diagnostics, statements: d.statements };
      const o = d.outcome as Extract<MacroCallOutcome, { ok: true }>;
      return { ok: true, value: o.value, statements: d.statements, logs: (o.result.logs ?? []).map((l) => l.message) };
    },

    async operation(node, macro, args) {
      const r = getRenderer();
      const d = await drive(() => r.callMacro(node, macro, args), node);
      if (!d.outcome.ok) return { ok: false, diagnostics: (d.outcome as Extract<RenderOutcome, { ok: false }>).diagnostics, statements: d.statements };
      const o = d.outcome as Extract<MacroCallOutcome, { ok: true }>;
      return { ok: true, value: o.value, statements: d.statements, logs: (o.result.logs ?? []).map((l) => l.message) };
    },
  };
}

function failedDiagnostic(node: ManifestNode, message: string): Diagnostic {
  return { code: 'materialization-unknown', severity: 'error', message, file: node.original_file_path, node: node.unique_id };
}

function failed(node: { readonly unique_id: string; readonly original_file_path: string }, message: string): Extract<RenderOutcome, { ok: false }> {
  return {
    ok: false,
    diagnostics: [{ code: 'render-error', severity: 'error', message, file: node.original_file_path, node: node.unique_id }],
  };
}

/** The source map of an execution-time render once its placeholders are resolved and CTEs injected. */
function mapOfFinished(result: RenderResult, track: { edits: TextEdit[]; body: string }, compiled: string): SourceMap | undefined {
  if (!result.sourceMap) return undefined;
  return compiledSourceMap(applyEdits(result.sourceMap, result.sql, track.edits), track.body, compiled);
}
