/**
 * The runtime object compiled templates call (`runtime.callAt`, `runtime.memberLookup`, ...).
 * It is Nunjucks' runtime plus our overrides, one instance per template file so errors know
 * which file they happened in. Nunjucks' shared runtime module is never modified.
 */
import { didYouMean } from '../../diagnostics/index.js';
import { dateArithmetic } from './datetime.js';
import { baseRuntime, type NjFrame } from './nunjucks-internals.js';
import { isPlainObject, pyPercent, pyStr, pythonMethod } from './python-methods.js';
import { PYTHON_RUNTIME } from './runtime-python.js';
import {
  MacroReturn,
  PendingQuery,
  RenderFailure,
  failure,
  toPosition,
  type RenderState,
  type TemplateFile,
} from './render-state.js';

/** What the runtime needs from the renderer. */
export interface Engine {
  /** The render in progress (null while macro files load). */
  state: RenderState | null;
  /** Globals, per-render values and macros, after frame and template context. */
  lookupGlobal(name: string, filePackage: string | null): unknown;
  /** Names offered in did-you-mean hints. */
  knownNames(): Iterable<string>;
}

interface TemplateContext {
  ctx: Record<string, unknown>;
}

/** Minimal Context compatible with the code Nunjucks emits (we never use blocks/extends). */
export class RenderContext implements TemplateContext {
  readonly ctx: Record<string, unknown> = {};
  readonly env: unknown;
  /** Source-map marks of the node's own template (nunjucks-internals.ts emits the pushes). */
  srcMarks: number[] | undefined = undefined;
  constructor(env: unknown) {
    this.env = env;
  }
  lookup(name: string): unknown {
    return this.ctx[name];
  }
  setVariable(name: string, val: unknown): void {
    this.ctx[name] = val;
  }
  getVariables(): Record<string, unknown> {
    return this.ctx;
  }
  addExport(): void {
    // exports are only used by {% import %}, which Strata does not support
  }
  getExported(): Record<string, unknown> {
    return this.ctx;
  }
  addBlock(): this {
    return this;
  }
  getBlock(name: string): never {
    throw new Error(`unknown block "${name}"`);
  }
}

function prettyName(name: string): string {
  return name.replace(/\["([^"]*)"\]/g, '.$1');
}

export function requireState(engine: Engine): RenderState {
  if (engine.state === null) throw new Error('template code ran outside a render');
  return engine.state;
}

/**
 * Runtime for one template file (`file.file === null`: the node being rendered).
 *
 * @example createRuntime(engine, { file: 'macros/cents.sql' })
 */
export function createRuntime(engine: Engine, file: TemplateFile): Record<string, unknown> {
  // Frame first (arguments, loop and set variables), then dbt's macro resolution (which lets a
  // project override a package's or dbt's macro even inside that package's own file), then the
  // file's own top level.
  const filePackage = file.package ?? null;
  const lookup = (context: TemplateContext, frame: NjFrame, name: string): unknown => {
    const v = frame.lookup(name);
    if (v !== undefined) return v;
    const g = engine.lookupGlobal(name, filePackage);
    if (g !== undefined) return g;
    return context.ctx[name];
  };

  const overrides = {
    MacroReturn,
    contextOrFrameLookup: lookup,

    strictLookup(context: TemplateContext, frame: NjFrame, name: string, line: number, col: number): unknown {
      const v = lookup(context, frame, name);
      if (v !== undefined) return v;
      const state = requireState(engine);
      // `dbt_utils.star(...)` without the package installed is the common case of a missing name
      const hint =
        didYouMean(name, engine.knownNames()) ??
        `if '${name}' is a package (such as dbt_utils), list it in packages.yml and run \`strata deps\``;
      throw failure(state, 'undefined-variable', `'${name}' is undefined`, {
        pos: toPosition(state, file, line, col),
        hint,
      });
    },

    printLookup(context: TemplateContext, frame: NjFrame, name: string, line: number, col: number): unknown {
      const v = lookup(context, frame, name);
      if (v !== undefined) return v;
      const state = engine.state;
      if (state !== null && file.file === null && !state.warnedUndefined.has(name)) {
        state.warnedUndefined.add(name);
        const hint = didYouMean(name, engine.knownNames());
        state.warnings.push({
          code: 'undefined-variable',
          severity: 'warning',
          message: `'${name}' is undefined and renders as nothing`,
          ...toPosition(state, file, line, col),
          node: state.node.unique_id,
          ...(hint === undefined ? {} : { hint }),
        });
      }
      return '';
    },

    callAt(line: number, col: number, fn: unknown, name: string, context: unknown, args: unknown[]): unknown {
      const state = requireState(engine);
      state.posFile = file;
      state.posLine = line;
      state.posCol = col;
      if (typeof fn !== 'function') {
        const pretty = prettyName(name);
        if (fn === undefined || fn === null) {
          const base = pretty.split('.').pop() ?? pretty;
          const hint = didYouMean(base, engine.knownNames());
          throw failure(state, 'undefined-macro', `'${pretty}' is undefined: no macro or function with this name`, {
            ...(hint === undefined ? {} : { hint }),
          });
        }
        throw failure(state, 'render-error', `'${pretty}' is not callable`);
      }
      return (fn as (...a: unknown[]) => unknown).apply(context, args);
    },

    memberLookup(obj: unknown, key: unknown): unknown {
      if (obj === undefined || obj === null) return undefined;
      const k = String(key);
      if (obj instanceof (baseRuntime['SafeString'] as new () => object)) obj = String(obj);
      if (typeof obj === 'string' || Array.isArray(obj) || isPlainObject(obj)) {
        const m = pythonMethod(obj, k);
        if (m !== undefined && !(isPlainObject(obj) && typeof key === 'number')) return m;
        if ((Array.isArray(obj) || typeof obj === 'string') && typeof key === 'number' && key < 0) return obj[obj.length + key];
      }
      const v: unknown = (obj as Record<string, unknown>)[k];
      if (typeof v === 'function' && !isPlainObject(obj)) {
        return (...a: unknown[]) => (v as (...x: unknown[]) => unknown).apply(obj, a);
      }
      return v;
    },

    suppressValue(val: unknown): string {
      return typeof val === 'string' ? val : pyStr(val);
    },

    handleError(e: unknown, lineno: number, colno: number): unknown {
      if (e instanceof RenderFailure || e instanceof PendingQuery) return e;
      const state = engine.state;
      if (state === null) return e;
      if (e instanceof MacroReturn) {
        return failure(state, 'render-error', 'return() was called outside a macro');
      }
      const msg = e instanceof Error ? e.message : String(e);
      const pos = state.posFile === null ? toPosition(state, file, lineno, colno) : undefined;
      return failure(state, 'render-error', msg.replace(/^Error: /, ''), pos ? { pos } : {});
    },

    pyAdd(a: unknown, b: unknown): unknown {
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      if (typeof a === 'object' && a !== null) {
        const d = dateArithmetic(a, b, 1);
        if (d !== undefined) return d;
      }
      return (a as number) + (b as number);
    },
    pySub(a: unknown, b: unknown): unknown {
      if (typeof a === 'object' && a !== null) {
        const d = dateArithmetic(a, b, -1);
        if (d !== undefined) return d;
      }
      return (a as number) - (b as number);
    },
    pyMod(a: unknown, b: unknown): unknown {
      if (typeof a === 'string') return pyPercent(a, b);
      // Python's modulo takes the sign of the divisor: -7 % 3 == 2
      const m = (a as number) % (b as number);
      return m !== 0 && m < 0 !== (b as number) < 0 ? m + (b as number) : m;
    },
    pyMul(a: unknown, b: unknown): unknown {
      // Python repetition: 'ab' * 2, [0] * 3
      const rep = (x: unknown, n: unknown): unknown =>
        typeof x === 'string' ? x.repeat(Math.max(0, Number(n))) : Array.isArray(x) ? Array.from({ length: Math.max(0, Number(n)) }, () => x).flat(1) : undefined;
      if (typeof b === 'number') {
        const r = rep(a, b);
        if (r !== undefined) return r;
      }
      if (typeof a === 'number') {
        const r = rep(b, a);
        if (r !== undefined) return r;
      }
      return (a as number) * (b as number);
    },
    pyConcat(a: unknown, b: unknown): string {
      return pyStr(a) + pyStr(b);
    },
  };
  return Object.assign(Object.create(null) as Record<string, unknown>, baseRuntime, PYTHON_RUNTIME, overrides);
}
