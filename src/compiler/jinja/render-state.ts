/**
 * Per-render mutable state. The Environment, macros and globals are built once per renderer;
 * everything that depends on the node being rendered lives here, and context lookups read it
 * through `Engine.state` (so macros compiled once see the *calling* model's `this`, `config`).
 */
import type { Diagnostic, DiagnosticCode } from '../../diagnostics/index.js';
import type { RenderNode } from './types.js';

/** Where the template currently executes: a file (null = the node being rendered) and 0-based position. */
export interface TemplateFile {
  /** Project-relative path of a macro file, or null for the node's own file. */
  readonly file: string | null;
  /** Package the file belongs to (null: the node's own file, whose package is the node's). */
  readonly package?: string | null;
}

export interface Position {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface MacroFrame {
  readonly name: string;
  readonly callSite: Position;
}

export interface RenderState {
  readonly node: RenderNode;
  /** Keys given to config() in the file, merged in call order. */
  readonly config: Record<string, unknown>;
  readonly refs: { name: string; package: string | null }[];
  readonly sources: { source: string; table: string }[];
  readonly macros: Set<string>;
  readonly varsRead: Record<string, unknown>;
  readonly envRead: Record<string, string | null>;
  readsTarget: boolean;
  readonly docs: Set<string>;
  readonly warnings: Diagnostic[];
  readonly logs: { message: string; info: boolean }[];
  /** Active macro calls, outermost first. */
  readonly stack: MacroFrame[];
  /** Last call site executed (0-based line/col inside `posFile`). */
  posFile: TemplateFile | null;
  posLine: number;
  posCol: number;
  /** `{% call statement(name) %}` results for load_result(). */
  readonly results: Map<string, unknown>;
  /** Lazily built per-render values. */
  cache: Record<string, unknown>;
  /** The render read `execute` or asked the database (see RenderResult.dynamic). */
  dynamic: boolean;
  /** SQL run by `statement('main')` during this render. */
  readonly mainSql: string[];
  /** Undefined names already warned about in this render. */
  readonly warnedUndefined: Set<string>;
  /** Names added for this render (a materialization's `sql`, `pre_hooks`, ...). */
  extra: Readonly<Record<string, unknown>>;
}

export function newRenderState(node: RenderNode): RenderState {
  return {
    node,
    config: {},
    refs: [],
    sources: [],
    macros: new Set(),
    varsRead: {},
    envRead: {},
    readsTarget: false,
    docs: new Set(),
    warnings: [],
    logs: [],
    stack: [],
    posFile: null,
    posLine: 0,
    posCol: 0,
    results: new Map(),
    cache: {},
    dynamic: false,
    mainSql: [],
    warnedUndefined: new Set(),
    extra: {},
  };
}

/** Thrown inside a render for a user error; carries the finished Diagnostic. */
export class RenderFailure extends Error {
  readonly diagnostic: Diagnostic;
  constructor(diagnostic: Diagnostic) {
    super(diagnostic.message);
    this.name = 'RenderFailure';
    this.diagnostic = diagnostic;
  }
}

/**
 * Thrown by the run-time query runner for a statement it has no result for yet: unwinds the
 * whole render (never caught by template code), the caller runs `sql` and renders again.
 */
export class PendingQuery {
  readonly sql: string;
  constructor(sql: string) {
    this.sql = sql;
  }
}

/** `return(value)` unwinds to the enclosing macro (caught by compiled macro code). */
export class MacroReturn {
  readonly value: unknown;
  constructor(value: unknown) {
    this.value = value;
  }
}

/** Relations print as placeholders until the manifest is assembled: messages show their names. */
export function readablePlaceholders(text: string): string {
  return text.replace(/\u0000(?:ref|src)\u0001([^\u0000\u0001]*)\u0001([^\u0000\u0001]*)\u0000/g, (_m, a: string, b: string) => (a ? `${a}.${b}` : b));
}

/** Resolve a file + 0-based position to the user's file:line:col (1-based). */
export function toPosition(state: RenderState, file: TemplateFile | null, line: number, col: number): Position {
  if (file === null || file.file === null) {
    const offset = (state.node.lineOffset ?? 1) - 1;
    return { file: state.node.original_file_path, line: line + 1 + offset, col: col + 1 };
  }
  return { file: file.file, line: line + 1, col: col + 1 };
}

export function currentPosition(state: RenderState): Position {
  return toPosition(state, state.posFile, state.posLine, state.posCol);
}

/**
 * Build a RenderFailure at `pos` (default: the last call site). Inside a macro the message also
 * names where the outermost macro was called from in the node's file.
 */
export function failure(
  state: RenderState,
  code: DiagnosticCode,
  message: string,
  extra: { hint?: string; pos?: Position } = {},
): RenderFailure {
  const pos = extra.pos ?? currentPosition(state);
  let msg = readablePlaceholders(message);
  const outer = state.stack[0];
  if (outer && outer.callSite.file !== pos.file) {
    const inner = state.stack[state.stack.length - 1] ?? outer;
    msg += ` (in macro '${inner.name}', called from ${outer.callSite.file}:${outer.callSite.line})`;
  } else if (outer) {
    msg += ` (in macro '${outer.name}')`;
  }
  const d: Diagnostic = {
    code,
    severity: 'error',
    message: msg,
    file: pos.file,
    line: pos.line,
    col: pos.col,
    node: state.node.unique_id,
    ...(extra.hint === undefined ? {} : { hint: extra.hint }),
  };
  return new RenderFailure(d);
}
