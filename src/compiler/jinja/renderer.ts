/**
 * createRenderer: the dbt-compatible Jinja renderer. Builds the Nunjucks environment, the
 * globals and all macros once; each render compiles only the node's own template and runs it
 * with a fresh RenderState that globals and macros read through the Engine.
 */
import type { SourceFile } from '../../project/types.js';
import { didYouMean } from '../../diagnostics/index.js';
import { docBlocks, scanSnapshotBlocks } from './blocks.js';
import { keywordArgs } from './call-args.js';
import { staticGlobals } from './context-globals.js';
import { ALL_EXTENSIONS } from './extensions.js';
import { JINJA_TESTS, jinjaFilters } from './filters.js';
import { INTERNAL_PACKAGES } from './builtin-macros.js';
import { loadMacros } from './macro-registry.js';
import { compileTemplate, Frame, nunjucks, parseTemplate, type NjExtension, type RootFn } from './nunjucks-internals.js';
import { Relation } from './relation.js';
import { relationGlobals } from './relations-context.js';
import { newRenderState, RenderFailure, type RenderState } from './render-state.js';
import { createRuntime, RenderContext, type Engine } from './runtime.js';
import { jinjaSyntaxDiagnostic } from './syntax-errors.js';
import { pyStr } from './python-methods.js';
import type { RenderNode, RenderOutcome, RenderResult, Renderer, RendererOptions } from './types.js';
import { finishMarks, type SourceMap } from '../source-map.js';

function buildEnvironment(): { env: nunjucks.Environment; extensions: readonly NjExtension[] } {
  const env = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: false });
  for (const ext of ALL_EXTENSIONS) env.addExtension(ext.tags[0] ?? 'ext', ext as unknown as nunjucks.Extension);
  for (const [name, f] of Object.entries(jinjaFilters())) env.addFilter(name, f);
  // @types/nunjucks lacks addTest
  const withTests = env as unknown as { addTest(name: string, fn: (...a: unknown[]) => boolean): void };
  for (const [name, t] of Object.entries(JINJA_TESTS)) withTests.addTest(name, t);
  return { env, extensions: ALL_EXTENSIONS };
}

const EMPTY_GRAPH: Readonly<Record<string, unknown>> = Object.freeze({ nodes: {}, sources: {}, exposures: {}, metrics: {}, macros: {}, groups: {}, semantic_models: {}, saved_queries: {} });

function resultOf(state: RenderState, sql: string, sourceMap?: SourceMap): RenderResult {
  return {
    sql,
    ...(sourceMap ? { sourceMap } : {}),
    config: state.config,
    refs: state.refs,
    sources: state.sources,
    macros: [...state.macros],
    varsRead: state.varsRead,
    envRead: state.envRead,
    readsTarget: state.readsTarget,
    docs: [...state.docs],
    warnings: state.warnings,
    logs: state.logs,
    ...(state.dynamic ? { dynamic: true } : {}),
    ...(state.mainSql.length ? { mainSql: [...state.mainSql] } : {}),
  };
}

/**
 * Create a renderer for one project.
 *
 * @example
 * const r = createRenderer({ projectName: 'shop', macroFiles: [], docFiles: [], target, projectVars: {}, cliVars: {} });
 * const out = r.render(node, "{{ config(materialized='table') }}select * from {{ ref('stg_orders') }}");
 * // out.ok && out.result.sql === 'select * from \u0000ref\u0001\u0001stg_orders\u0000'
 */
export function createRenderer(options: RendererOptions): Renderer {
  const { env, extensions } = buildEnvironment();
  const docsResult = docBlocks(options.docFiles);
  let registry: ReturnType<typeof loadMacros> | undefined;
  let statics: Record<string, unknown> = {};
  const engine: Engine = {
    state: null,
    lookupGlobal(name: string, filePackage: string | null): unknown {
      const s = engine.state;
      switch (name) {
        case 'this':
          if (s === null) return undefined;
          return (s.cache['this'] ??= relations.thisRelation(s));
        case 'model':
          if (s === null) return undefined;
          return (s.cache['model'] ??= relations.modelDict(s, String(s.cache['source'] ?? '')));
        case 'target':
          if (s !== null) s.readsTarget = true;
          return options.target;
        case 'execute':
          if (s !== null) s.dynamic = true;
          return options.execute === true;
        case 'graph':
          // the project's graph is known at execution time only: a node reading it renders again then
          if (s !== null) s.dynamic = true;
          return options.graph ?? EMPTY_GRAPH;
        case 'schema':
          return s === null ? undefined : s.node.schema;
        case 'database':
          return s === null ? undefined : s.node.database;
        case 'True':
          return true;
        case 'False':
          return false;
        case 'None':
          return null;
        default:
          if (s !== null && Object.prototype.hasOwnProperty.call(s.extra, name)) return s.extra[name];
          break;
      }
      if (registry === undefined) return statics[name];
      const nodePackage = s?.node.package_name ?? options.projectName;
      // the project's and packages' own macros may override dbt's context functions (ref, source, ...)
      const own = registry.resolve(name, nodePackage, filePackage);
      if (own !== undefined && !isInternal(own)) return own;
      const g = statics[name];
      if (g !== undefined) return g;
      return own ?? registry.namespaces.get(name) ?? (name === options.projectName ? registry.namespaces.get(name) : undefined);
    },
    knownNames(): Iterable<string> {
      return [...Object.keys(statics), ...(registry?.names() ?? []), ...(registry?.namespaces.keys() ?? []), 'this', 'model', 'target'];
    },
  };

  const relations = relationGlobals(engine, options);
  statics = Object.assign(Object.create(null) as Record<string, unknown>, {
    ...staticGlobals({
      engine,
      options,
      docs: docsResult.docs,
      dispatch: (name, ns) => {
        const s = engine.state;
        const nodePackage = s?.node.package_name ?? options.projectName;
        const top = s?.stack[s.stack.length - 1]?.name;
        const caller = top === undefined ? null : top.slice(0, top.indexOf('.'));
        return registry?.dispatch(name, ns, nodePackage, caller);
      },
      searchOrder: (ns) => registry?.searchOrder(ns) ?? [],
      packageExists: (name) => registry?.namespaces.has(name) === true,
      dispatchCandidates: () => [...(registry?.macros.map((m) => m.name) ?? [])],
    }),
    ref: relations.ref,
    source: relations.source,
    config: relations.config,
    is_incremental: relations.is_incremental,
    // dbt's originals, for projects that override ref/source with their own macros
    builtins: { ref: relations.ref, source: relations.source, config: relations.config },
    render: (text: unknown): string => {
      const s = engine.state;
      return s === null ? pyStr(text) : renderText(pyStr(text), s.node);
    },
  });
  registry = loadMacros({
    engine,
    env,
    extensions,
    projectName: options.projectName,
    files: options.macroFiles,
    packages: (options.packages ?? []).map((p) => ({ name: p.name, files: p.macroFiles })),
    ...(options.dispatch ? { dispatch: options.dispatch } : {}),
  });
  const internalFns = new Set<unknown>(
    INTERNAL_PACKAGES.flatMap((p) => [...(registry?.byPackage.get(p)?.values() ?? [])]),
  );
  const isInternal = (fn: unknown): boolean => internalFns.has(fn);
  const nodeRuntime = createRuntime(engine, { file: null });

  const run = (
    node: RenderNode,
    source: string,
    body: (s: RenderState) => string,
    mapOf?: (sql: string) => SourceMap,
  ): RenderOutcome => {
    const state = newRenderState(node);
    state.cache['source'] = source;
    const previous = engine.state;
    engine.state = state;
    try {
      const sql = body(state);
      return { ok: true, result: resultOf(state, sql, mapOf?.(sql)) };
    } catch (e) {
      if (e instanceof RenderFailure) return { ok: false, diagnostics: [e.diagnostic] };
      throw e;
    } finally {
      engine.state = previous;
    }
  };

  const renderText = (source: string, node: RenderNode, marks?: number[]): string => {
    let root: RootFn;
    try {
      root = compileTemplate(source, node.original_file_path, extensions);
    } catch (e) {
      throw new RenderFailure(jinjaSyntaxDiagnostic(e, node.original_file_path, node.lineOffset ?? 1, source, node.unique_id));
    }
    const context = new RenderContext(env);
    if (marks) context.srcMarks = marks;
    const frame = new Frame();
    frame.topLevel = true;
    let out = '';
    let err: unknown = null;
    root(env, context, frame, nodeRuntime, (e, r) => {
      err = e;
      out = r ?? '';
    });
    if (err !== null) throw err;
    // Jinja drops a single trailing newline (keep_trailing_newline=False), as dbt does.
    return out.endsWith('\n') ? out.slice(0, -1) : out;
  };

  // A generic test argument `ref('x')` or `{{ source('s', 't') }}` arrives as the Relation itself
  // (dbt renders test arguments natively); any other Jinja in a string renders to text.
  const RELATION_ARG = /^\s*(?:\{\{\s*)?(ref|source)\s*\(((?:\s*(?:'[^']*'|"[^"]*")\s*,?)*)\)\s*(?:\}\}\s*)?$/s;
  const renderKwarg = (value: unknown, node: RenderNode): unknown => {
    if (typeof value === 'string') {
      const m = RELATION_ARG.exec(value);
      if (m) {
        const args = [...(m[2] ?? '').matchAll(/'([^']*)'|"([^"]*)"/g)].map((x) => x[1] ?? x[2] ?? '');
        return m[1] === 'ref' ? relations.ref(...args) : relations.source(...args);
      }
      if (value.includes('{{') || value.includes('{%')) return renderText(value, node);
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => renderKwarg(v, node));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderKwarg(v, node)]));
    }
    return value;
  };

  return {
    diagnostics: [...docsResult.diagnostics, ...registry.diagnostics],
    macros: registry.macros,
    docs: docsResult.docs,

    render(node, source) {
      const marks: number[] = [];
      return run(
        node,
        source,
        () => renderText(source, node, marks),
        (sql) => finishMarks(marks, source, sql, node.lineOffset ?? 1),
      );
    },

    renderGenericTest(node, testName, kwargs, model) {
      return run(node, '', () => {
        const dot = testName.lastIndexOf('.');
        const pkg = dot >= 0 ? testName.slice(0, dot) : null;
        const macroName = `test_${dot >= 0 ? testName.slice(dot + 1) : testName}`;
        const fn =
          pkg !== null
            ? registry?.byPackage.get(pkg)?.get(macroName)
            : registry?.resolve(macroName, node.package_name, null);
        if (fn === undefined) {
          const known = (registry?.macros ?? []).filter((m) => m.name.startsWith('test_')).map((m) => m.name.slice(5));
          throw new RenderFailure({
            code: 'undefined-macro',
            severity: 'error',
            message: `generic test '${testName}' not found (no {% test ${testName.slice(dot + 1)} %} block or macro '${macroName}')`,
            file: node.original_file_path,
            node: node.unique_id,
            ...(known.length ? { hint: `known tests: ${known.join(', ')}` } : {}),
          });
        }
        const args: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(kwargs)) args[k] = renderKwarg(v, node);
        const relation =
          model.kind === 'ref'
            ? relations.ref(...(model.package ? [model.package, model.name] : [model.name]))
            : relations.source(model.source, model.table);
        // dbt hands generic tests `get_where_subquery(relation)`: a `where` config filters the model
        const whereFn = registry?.resolve('get_where_subquery', node.package_name, null);
        args['model'] = whereFn && node.config['where'] ? whereFn(relation) : relation;
        return pyStr(fn(keywordArgs(args))).trim();
      });
    },

    callMacro(node, name, args, context = {}) {
      let value: unknown;
      const outcome = run(node, '', (s) => {
        s.extra = context;
        const dot = name.indexOf('.');
        const fn =
          dot >= 0
            ? registry?.byPackage.get(name.slice(0, dot))?.get(name.slice(dot + 1))
            : registry?.resolve(name, node.package_name, null);
        if (fn === undefined) {
          const hint = didYouMean(name.slice(dot + 1), registry?.names() ?? []);
          throw new RenderFailure({
            code: 'undefined-macro',
            severity: 'error',
            message: `macro '${name}' not found`,
            file: node.original_file_path,
            node: node.unique_id,
            ...(hint ? { hint } : {}),
          });
        }
        value = fn(keywordArgs({ ...args }));
        return typeof value === 'string' || value instanceof String ? String(value) : '';
      });
      return outcome.ok ? { ok: true, value, result: outcome.result } : outcome;
    },

    snapshotBlocks(file: SourceFile) {
      const r = scanSnapshotBlocks(file);
      const diagnostics = [...r.diagnostics];
      for (const b of r.blocks) {
        try {
          parseTemplate(b.body, extensions);
        } catch (e) {
          diagnostics.push(jinjaSyntaxDiagnostic(e, file.path, b.line, b.body));
        }
      }
      return { blocks: r.blocks, diagnostics };
    },
  };
}


