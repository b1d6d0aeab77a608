/**
 * The one place that touches Nunjucks internals (parser, compiler, runtime classes). Nunjucks'
 * internal modules are untyped, so this file describes the small surface we use with local
 * interfaces and casts. Nothing here mutates Nunjucks' own modules: instead of
 * `installJinjaCompat()` (which patches the shared runtime), templates are compiled with a
 * per-instance compiler whose emitted code calls our own runtime object (see runtime.ts).
 */
import { createRequire } from 'node:module';
import nunjucks from 'nunjucks';
import { emitCallArgs, installJinjaEmitters, type EmitCompiler } from './jinja-compile.js';
import { parseJinja } from './jinja-syntax.js';

const require = createRequire(import.meta.url);

/** A parsed template node (nunjucks internals are untyped). */
export interface NjNode {
  readonly typename: string;
  lineno: number;
  colno: number;
  value?: unknown;
  children?: NjNode[];
  name?: NjNode;
  args?: NjNode;
  body?: NjNode;
  target?: NjNode;
  val?: NjNode;
  key?: NjNode;
  findAll(type: unknown): NjNode[];
}

type NodeCtor = new (...args: unknown[]) => NjNode;

export interface NjNodes {
  readonly Node: NodeCtor;
  readonly NodeList: NodeCtor;
  readonly Symbol: NodeCtor;
  readonly Dict: NodeCtor;
  readonly Macro: NodeCtor;
  readonly TemplateData: NodeCtor;
  readonly CallExtension: NodeCtor;
  readonly Literal: NodeCtor;
}

export interface NjToken {
  readonly type: string;
  readonly value: string;
  readonly lineno: number;
  readonly colno: number;
}

export interface NjParser {
  nextToken(withWhitespace?: boolean): NjToken;
  peekToken(): NjToken;
  parseExpression(): NjNode;
  parsePrimary(noPostfix?: boolean): NjNode;
  parseSignature(tolerant?: boolean | null, noParens?: boolean): NjNode;
  parseUntilBlocks(...names: string[]): NjNode;
  advanceAfterBlockEnd(name?: string): NjToken;
  fail(msg: string, lineno?: number, colno?: number): never;
}

/** A Nunjucks extension as `env.addExtension` expects it. */
export interface NjExtension {
  readonly tags: readonly string[];
  parse(parser: NjParser, nodes: NjNodes, lexer: unknown): NjNode;
  [method: string]: unknown;
}

/** Runtime Frame (variable scope). */
export interface NjFrame {
  topLevel: boolean;
  lookup(name: string): unknown;
  set(name: string, val: unknown, resolveUp?: boolean): void;
}

/** A compiled template: `root(env, context, frame, runtime, cb)`. */
export type RootFn = (
  env: unknown,
  context: unknown,
  frame: NjFrame,
  runtime: object,
  cb: (err: unknown, out?: string) => void,
) => void;

/** Error Nunjucks' lexer/parser/compiler throw; lineno/colno as they set them. */
export interface NjTemplateError extends Error {
  lineno?: number;
  colno?: number;
}

interface CompilerInstance {
  _emit(code: string): void;
  _emitLine(code: string): void;
  _emitLines(...code: string[]): void;
  _compileExpression(node: NjNode, frame: unknown): void;
  _compileAggregate(node: NjNode, frame: unknown, start: string, end: string): void;
  _getNodeName(node: NjNode): string;
  _tmpid(): string;
  _pushBuffer(): string;
  _popBuffer(): void;
  _withScopedSyntax(fn: () => void): void;
  assertType(node: NjNode, ...types: unknown[]): void;
  compile(node: NjNode, frame?: unknown): void;
  compileLiteral(node: NjNode, frame: unknown): void;
  getCode(): string;
  buffer: string;
  [key: string]: unknown;
}

interface CompileFrame {
  lookup(name: string): unknown;
  set(name: string, val: unknown): void;
  push(isolate?: boolean): CompileFrame;
}

const nj = nunjucks as unknown as {
  nodes: NjNodes;
  runtime: Record<string, unknown> & { Frame: new () => NjFrame };
  parser: { parse(src: string, extensions: readonly NjExtension[], opts: object): NjNode };
  compiler: { Compiler: new (name: string, throwOnUndefined: boolean) => CompilerInstance };
  lib: { TemplateError: new (msg: string, lineno?: number, colno?: number) => NjTemplateError };
};

export const njNodes: NjNodes = nj.nodes;
export const baseRuntime: Readonly<Record<string, unknown>> = nj.runtime;
export const Frame = nj.runtime.Frame;
export { nunjucks };

/** Parse a template (syntax errors throw NjTemplateError). */
export function parseTemplate(src: string, extensions: readonly NjExtension[]): NjNode {
  return parseJinja(src, extensions);
}

/** True if `name` is a compile-time local (macro argument, loop var) in `frame`. */
function isLocal(frame: unknown, name: string): boolean {
  return Boolean((frame as CompileFrame).lookup(name));
}

function isSymbol(node: NjNode): boolean {
  return node instanceof njNodes.Symbol;
}

/**
 * Compiler overrides. Emitted code calls these runtime hooks (runtime.ts):
 * - `runtime.callAt(line, col, fn, name, context, args)`: every call; records the call site.
 * - `runtime.strictLookup(context, frame, name, line, col)`: a bare name that is printed or whose
 *   attribute is read; raises 'undefined-variable' (dbt is strict there).
 * - `runtime.pyAdd/pySub/pyMod/pyConcat`: Python semantics for list + list, dates, `%`.
 * - macros restore their frame in `finally` and turn `return(x)` into the macro's value.
 */
function patchCompiler(c: CompilerInstance): void {
  c['compileFunCall'] = function compileFunCall(this: CompilerInstance, node: NjNode, frame: unknown) {
    // report the position of the callee's name, not of the opening parenthesis
    const at = calleePosition(node.name as NjNode);
    this._emit(`runtime.callAt(${at.lineno}, ${at.colno}, `);
    this._compileExpression(node.name as NjNode, frame);
    this._emit(', ' + JSON.stringify(this._getNodeName(node.name as NjNode)) + ', context, ');
    emitCallArgs(this as unknown as EmitCompiler, node.args as NjNode, frame, () =>
      this._compileAggregate(node.args as NjNode, frame, '[', ']'),
    );
    this._emit(')');
  };
  c['compileLookupVal'] = function compileLookupVal(this: CompilerInstance, node: NjNode, frame: unknown) {
    this._emit('runtime.memberLookup((');
    emitStrict(this, node.target as NjNode, frame);
    this._emit('),');
    this._compileExpression(node.val as NjNode, frame);
    this._emit(')');
  };
  c['compileOutput'] = function compileOutput(this: CompilerInstance, node: NjNode, frame: unknown) {
    for (const child of node.children ?? []) {
      if (child instanceof njNodes.TemplateData) {
        if (child.value) {
          emitSourceMark(this, child, String(child.value).length);
          this._emit(`${this.buffer} += `);
          this.compileLiteral(child, frame);
          this._emitLine(';');
        }
      } else {
        emitSourceMark(this, node, -1);
        this._emit(`${this.buffer} += runtime.suppressValue(`);
        const expr = child as NjNode;
        const name = expr.value;
        if (isSymbol(expr) && typeof name === 'string' && !isLocal(frame, name)) {
          // printing an unset name renders nothing, as in dbt (a warning when it is in the node's own file)
          this._emit(`runtime.printLookup(context, frame, ${JSON.stringify(name)}, ${expr.lineno}, ${expr.colno})`);
        } else {
          emitStrict(this, child, frame);
        }
        this._emit(');\n');
      }
    }
  };
  const capture = c['compileCapture'] as (this: CompilerInstance, ...a: unknown[]) => void;
  c['compileCapture'] = function compileCapture(this: CompilerInstance, ...a: unknown[]) {
    // `{% set x %}…{% endset %}` writes to a local `output`: not the template's own output
    this['captureDepth'] = Number(this['captureDepth'] ?? 0) + 1;
    try {
      capture.apply(this, a);
    } finally {
      this['captureDepth'] = Number(this['captureDepth']) - 1;
    }
  };
  const callExtension = c['compileCallExtension'] as (this: CompilerInstance, node: NjNode, ...a: unknown[]) => void;
  c['compileCallExtension'] = function compileCallExtension(this: CompilerInstance, node: NjNode, ...a: unknown[]) {
    emitSourceMark(this, node, -1);
    callExtension.call(this, node, ...a);
  };
  const binop = (fn: string) =>
    function (this: CompilerInstance, node: NjNode & { left: NjNode; right: NjNode }, frame: unknown) {
      this._emit(`runtime.${fn}(`);
      this.compile(node.left, frame);
      this._emit(', ');
      this.compile(node.right, frame);
      this._emit(')');
    };
  c['compileAdd'] = binop('pyAdd');
  c['compileSub'] = binop('pySub');
  c['compileMod'] = binop('pyMod');
  c['compileConcat'] = binop('pyConcat');
  c['compileMul'] = binop('pyMul');
  c['_compileMacro'] = compileMacro;
  installJinjaEmitters(c as unknown as EmitCompiler);
  // Python tuples: `('a', 'b')` is a list, not JS's comma operator
  c['compileGroup'] = function compileGroup(this: CompilerInstance, node: NjNode, frame: unknown) {
    const kids = node.children ?? [];
    this._compileAggregate(node, frame, kids.length > 1 ? '[' : '(', kids.length > 1 ? ']' : ')');
  };
}

/**
 * Source map instrumentation: before each append to the template's own output (not a macro's,
 * a `{% set %}` block's or a caller's buffer), records `output.length`, the 1-based line and
 * column of the text or tag, and the literal text's length (-1: produced by an expression or
 * tag) into `context.srcMarks` when the render asked for it (see renderer.ts).
 */
function emitSourceMark(c: CompilerInstance, node: NjNode, literalLength: number): void {
  if (c.buffer !== 'output' || Number(c['captureDepth'] ?? 0) > 0) return;
  if (typeof node.lineno !== 'number' || typeof node.colno !== 'number') return;
  c._emitLine(
    `if (context.srcMarks !== undefined) context.srcMarks.push(output.length, ${node.lineno + 1}, ${node.colno + 1}, ${literalLength});`,
  );
}

function calleePosition(n: NjNode): { lineno: number; colno: number } {
  let cur = n;
  while (cur.target !== undefined) cur = cur.target;
  return { lineno: cur.lineno, colno: cur.colno };
}

function emitStrict(c: CompilerInstance, node: NjNode, frame: unknown): void {
  const name = node.value;
  if (isSymbol(node) && typeof name === 'string' && !isLocal(frame, name)) {
    c._emit(`runtime.strictLookup(context, frame, ${JSON.stringify(name)}, ${node.lineno}, ${node.colno})`);
  } else {
    c._compileExpression(node, frame);
  }
}

/** Copy of Nunjucks' `_compileMacro` with try/catch/finally around the body (see patchCompiler). */
function compileMacro(this: CompilerInstance, node: NjNode, frame?: CompileFrame): string {
  const args: NjNode[] = [];
  let kwargs: NjNode | null = null;
  const funcId = 'macro_' + this._tmpid();
  const keepFrame = frame !== undefined;
  const children = (node.args as NjNode).children ?? [];
  children.forEach((arg, i) => {
    if (i === children.length - 1 && arg instanceof njNodes.Dict) {
      kwargs = arg;
    } else {
      this.assertType(arg, njNodes.Symbol);
      args.push(arg);
    }
  });
  const kwChildren: NjNode[] = (kwargs as NjNode | null)?.children ?? [];
  const realNames = [...args.map((n) => `l_${String(n.value)}`), 'kwargs'];
  const argNames = args.map((n) => `"${String(n.value)}"`);
  const kwargNames = kwChildren.map((n) => `"${String((n.key as NjNode).value)}"`);
  const currFrame: CompileFrame = keepFrame ? (frame as CompileFrame).push(true) : (new Frame() as unknown as CompileFrame);
  this._emitLines(
    `var ${funcId} = runtime.makeMacro(`,
    `[${argNames.join(', ')}], `,
    `[${kwargNames.join(', ')}], `,
    `function (${realNames.join(', ')}, extras) {`,
    'var callerFrame = frame;',
    'frame = ' + (keepFrame ? 'frame.push(true);' : 'new runtime.Frame();'),
    'try {',
    'kwargs = kwargs || {};',
    'if (extras) { frame.set("varargs", extras.varargs); frame.set("kwargs", extras.kwargs); }',
    'if (Object.prototype.hasOwnProperty.call(kwargs, "caller")) {',
    'frame.set("caller", kwargs.caller); }',
  );
  for (const arg of args) {
    this._emitLine(`frame.set("${String(arg.value)}", l_${String(arg.value)});`);
    currFrame.set(String(arg.value), `l_${String(arg.value)}`);
  }
  for (const pair of kwChildren) {
    const name = String((pair.key as NjNode).value);
    this._emit(`frame.set("${name}", `);
    this._emit(`Object.prototype.hasOwnProperty.call(kwargs, "${name}")`);
    this._emit(` ? kwargs["${name}"] : `);
    this._compileExpression(pair.value as NjNode, currFrame);
    this._emit(');');
  }
  const bufferId = this._pushBuffer();
  this._withScopedSyntax(() => {
    this.compile(node.body as NjNode, currFrame);
  });
  this._emitLine(`return new runtime.SafeString(${bufferId});`);
  this._emitLine('} catch (e) { if (e instanceof runtime.MacroReturn) { return e.value; } throw e; }');
  this._emitLine('finally { frame = callerFrame; }');
  this._emitLine('});');
  this._popBuffer();
  return funcId;
}

/** Compile a template to its render functions (syntax errors throw NjTemplateError). */
export function compileTemplate(src: string, name: string, extensions: readonly NjExtension[]): RootFn {
  const ast = parseTemplate(src, extensions);
  return compileAst(ast, name);
}

/** Compile an already parsed template. */
export function compileAst(ast: NjNode, name: string): RootFn {
  const c = new nj.compiler.Compiler(name, false);
  patchCompiler(c);
  // Nunjucks' transformer only lifts async filters and {% block %} super(): neither exists here.
  c.compile(ast);
  const props = new Function(c.getCode())() as { root: RootFn };
  return props.root;
}

/** Nunjucks' own TemplateError class (for instanceof checks on parse errors). */
export function isTemplateError(e: unknown): e is NjTemplateError {
  return e instanceof Error && e.name === 'Template render error';
}
