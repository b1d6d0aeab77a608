/**
 * Loads macro files once per renderer: compiles them, runs their top level to define the
 * macros, and wraps each macro so calls are recorded (RenderResult.macros) and errors inside it
 * point at the macro file. Macros are callable unqualified, as `<package>.<name>`, and through
 * adapter.dispatch.
 */
import { createHash } from 'node:crypto';
import type { Diagnostic } from '../../diagnostics/index.js';
import { BUILTIN_MACRO_FILES, INTERNAL_PACKAGES } from './builtin-macros.js';
import { jinjaSyntaxDiagnostic } from './syntax-errors.js';
import { compileAst, Frame, njNodes, parseTemplate, type NjExtension, type NjNode } from './nunjucks-internals.js';
import { currentPosition, failure, MacroReturn, PendingQuery, RenderFailure } from './render-state.js';
import { createRuntime, RenderContext, type Engine } from './runtime.js';
import type { MacroInfo } from './types.js';

type MacroFn = (...args: unknown[]) => unknown;

/** Attribute bag for `dbt_utils.star`, `my_project.cents_to_dollars` (a class, so dict methods don't shadow). */
export class MacroNamespace {
  [name: string]: unknown;
}

export interface MacroRegistry {
  readonly macros: MacroInfo[];
  readonly diagnostics: Diagnostic[];
  /** package -> name -> wrapped macro (internal packages included). */
  readonly byPackage: Map<string, Map<string, MacroFn>>;
  /** `dbt_utils`, `dbt`, `<root project>`, ...: attribute bags for qualified calls. */
  readonly namespaces: Map<string, MacroNamespace>;
  /**
   * An unqualified macro as dbt resolves it: the node's own package, then the root project, then
   * the package of the file making the call, then dbt's internal packages.
   */
  resolve(name: string, nodePackage: string, callerPackage: string | null): MacroFn | undefined;
  /** `adapter.dispatch(name, namespace)`: `postgres__` then `default__`, per package of the search order. */
  dispatch(name: string, namespace: string | null, nodePackage: string, callerPackage: string | null): MacroFn | undefined;
  /** The search order dispatch uses for a namespace (for diagnostics). */
  searchOrder(namespace: string | null): readonly string[];
  /** Every macro name (for did-you-mean). */
  names(): Iterable<string>;
}

export interface MacroPackage {
  readonly name: string;
  readonly files: readonly { readonly path: string; readonly contents: string }[];
}

interface LoadInput {
  readonly engine: Engine;
  readonly env: unknown;
  readonly extensions: readonly NjExtension[];
  readonly projectName: string;
  /** The root project's macro files. */
  readonly files: readonly { readonly path: string; readonly contents: string }[];
  /** Installed packages' macro files. */
  readonly packages?: readonly MacroPackage[];
  /** The root project's `dispatch:` config. */
  readonly dispatch?: readonly { readonly macro_namespace: string; readonly search_order: readonly string[] }[];
}

function offsetOf(src: string, line0: number, col0: number): number {
  let off = 0;
  for (let i = 0; i < line0; i++) {
    const nl = src.indexOf('\n', off);
    if (nl < 0) return src.length;
    off = nl + 1;
  }
  return off + col0;
}

function macroSource(src: string, node: NjNode): { sql: string; line: number; col: number } {
  const at = offsetOf(src, node.lineno, node.colno);
  const start = Math.max(0, src.lastIndexOf('{%', at));
  const end = /\{%-?\s*end(?:macro|test)\s*-?%\}/g;
  end.lastIndex = at;
  const m = end.exec(src);
  const stop = m ? m.index + m[0].length : src.length;
  const before = src.slice(0, start);
  const line = before.split('\n').length;
  const col = start - before.lastIndexOf('\n');
  return { sql: src.slice(start, stop), line, col };
}

/** KeywordArgs extends Dict; a boolean helper avoids narrowing the other branch to never. */
function isDict(n: unknown): boolean {
  return n instanceof njNodes.Dict;
}

function argNames(node: NjNode): string[] {
  const out: string[] = [];
  for (const a of node.args?.children ?? []) {
    if (isDict(a)) {
      for (const pair of a.children ?? []) out.push(String((pair.key as NjNode | undefined)?.value));
    } else {
      out.push(String(a.value));
    }
  }
  return out;
}

function wrapMacro(engine: Engine, qualified: string, fn: MacroFn): MacroFn {
  return function strataMacro(this: unknown, ...args: unknown[]): unknown {
    const s = engine.state;
    if (s === null) return fn.apply(this, args);
    s.macros.add(qualified);
    const { posFile, posLine, posCol } = s;
    s.stack.push({ name: qualified, callSite: currentPosition(s) });
    try {
      return fn.apply(this, args);
    } catch (e) {
      if (e instanceof RenderFailure || e instanceof MacroReturn || e instanceof PendingQuery) throw e;
      throw failure(s, 'render-error', e instanceof Error ? e.message : String(e));
    } finally {
      s.stack.pop();
      s.posFile = posFile;
      s.posLine = posLine;
      s.posCol = posCol;
    }
  };
}

/** Compile and define every macro of the project, its packages and the built-ins. */
export function loadMacros(input: LoadInput): MacroRegistry {
  const { engine } = input;
  const macros: MacroInfo[] = [];
  const diagnostics: Diagnostic[] = [];
  const byPackage = new Map<string, Map<string, MacroFn>>();
  const firstDefinition = new Map<string, MacroInfo>();
  const internal = new Set<string>(INTERNAL_PACKAGES);

  const files = [
    ...input.files.map((f) => ({ ...f, package: input.projectName, builtin: false })),
    ...(input.packages ?? []).flatMap((p) => p.files.map((f) => ({ ...f, package: p.name, builtin: false }))),
    ...BUILTIN_MACRO_FILES.map((f) => ({ path: f.path, contents: f.contents, package: f.package, builtin: true })),
  ];
  for (const file of files) {
    let ast: NjNode;
    try {
      ast = parseTemplate(file.contents, input.extensions);
    } catch (e) {
      diagnostics.push(jinjaSyntaxDiagnostic(e, file.path, 1, file.contents));
      continue;
    }
    const defs = (ast.children ?? []).filter((n) => n instanceof njNodes.Macro);
    let root;
    try {
      root = compileAst(ast, file.path);
    } catch (e) {
      diagnostics.push(jinjaSyntaxDiagnostic(e, file.path, 1, file.contents));
      continue;
    }
    const context = new RenderContext(input.env);
    const frame = new Frame();
    frame.topLevel = true;
    let loadError: unknown = null;
    root(input.env, context, frame, createRuntime(engine, { file: file.path, package: file.package }), (err) => {
      loadError = err;
    });
    if (loadError !== null) {
      const msg = loadError instanceof Error ? loadError.message : String(loadError);
      diagnostics.push({ code: 'render-error', severity: 'error', message: `macro file failed to load: ${msg}`, file: file.path });
      continue;
    }
    const pkgMacros = byPackage.get(file.package) ?? new Map<string, MacroFn>();
    byPackage.set(file.package, pkgMacros);
    for (const def of defs) {
      const name = String(def.name?.value);
      const raw = context.ctx[name];
      if (typeof raw !== 'function') continue;
      const qualified = `${file.package}.${name}`;
      const src = macroSource(file.contents, def);
      const info: MacroInfo = {
        unique_name: qualified,
        name,
        package_name: file.package,
        original_file_path: file.path,
        line: src.line,
        col: src.col,
        arguments: argNames(def),
        macro_sql: src.sql,
        hash: createHash('sha256').update(src.sql).digest('hex'),
        builtin: file.builtin,
      };
      const prior = firstDefinition.get(qualified);
      if (prior !== undefined) {
        diagnostics.push({
          code: 'duplicate-macro',
          severity: 'error',
          message: `macro '${qualified}' is defined twice: here and at ${prior.original_file_path}:${prior.line}`,
          file: file.path,
          line: src.line,
          col: src.col,
          hint: 'rename or delete one of them',
        });
        continue;
      }
      firstDefinition.set(qualified, info);
      macros.push(info);
      const wrapped = wrapMacro(engine, qualified, raw as MacroFn);
      context.ctx[name] = wrapped;
      pkgMacros.set(name, wrapped);
    }
  }

  const namespaces = new Map<string, MacroNamespace>();
  for (const [pkg, fns] of byPackage) {
    const ns = new MacroNamespace();
    for (const [name, fn] of fns) ns[name] = fn;
    namespaces.set(pkg, ns);
  }

  const root = input.projectName;
  const resolve = (name: string, nodePackage: string, callerPackage: string | null): MacroFn | undefined => {
    if (nodePackage !== root && !internal.has(nodePackage)) {
      const local = byPackage.get(nodePackage)?.get(name);
      if (local) return local;
    }
    const fromRoot = byPackage.get(root)?.get(name);
    if (fromRoot) return fromRoot;
    if (callerPackage !== null && callerPackage !== root) {
      const fromCaller = byPackage.get(callerPackage)?.get(name);
      if (fromCaller) return fromCaller;
    }
    for (const pkg of INTERNAL_PACKAGES) {
      const fn = byPackage.get(pkg)?.get(name);
      if (fn) return fn;
    }
    return undefined;
  };

  const orders = new Map<string, readonly string[]>();
  for (const d of input.dispatch ?? []) orders.set(d.macro_namespace, d.search_order);
  const searchOrder = (namespace: string | null): readonly string[] =>
    namespace === null ? [] : (orders.get(namespace) ?? [namespace]);

  const dispatch = (name: string, namespace: string | null, nodePackage: string, callerPackage: string | null): MacroFn | undefined => {
    if (namespace === null) {
      for (const prefix of ADAPTER_PREFIXES) {
        const fn = resolve(prefix + name, nodePackage, callerPackage);
        if (fn) return fn;
      }
      return undefined;
    }
    for (const pkg of searchOrder(namespace)) {
      for (const prefix of ADAPTER_PREFIXES) {
        const fn = byPackage.get(pkg)?.get(prefix + name);
        if (fn) return fn;
      }
    }
    return undefined;
  };
  const names = (): Iterable<string> => new Set([...byPackage.values()].flatMap((m) => [...m.keys()]));
  return { macros, diagnostics, byPackage, namespaces, resolve, dispatch, searchOrder, names };
}

/** dbt-postgres's adapter macro prefixes, most specific first. */
const ADAPTER_PREFIXES = ['postgres__', 'default__'] as const;
