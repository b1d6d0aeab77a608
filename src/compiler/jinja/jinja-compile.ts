/**
 * Code emitters for the Jinja2 constructs jinja-syntax.ts adds to Nunjucks' grammar, installed
 * on each per-template compiler instance by nunjucks-internals.ts. Emitted code calls runtime
 * hooks (runtime.ts / runtime-python.ts): `pySlice`, `spreadArgs`, `setAttr`, `loopFilter`,
 * `loopCycle`, `pyKey`.
 */
import { createRequire } from 'node:module';
import { KwStarArgNode, StarArgNode } from './jinja-syntax.js';
import type { NjNode } from './nunjucks-internals.js';

const require = createRequire(import.meta.url);
const nodes = require('nunjucks/src/nodes.js') as Record<string, new (...a: never[]) => NjNode>;

/** `n instanceof nodes[type]` without TypeScript narrowing the other branch away. */
function isA(n: unknown, type: string): boolean {
  return n instanceof (nodes[type] as new () => object);
}

/** The slice of Nunjucks' Compiler these emitters use. */
export interface EmitCompiler {
  _emit(code: string): void;
  _emitLine(code: string): void;
  _compileExpression(node: NjNode, frame: unknown): void;
  _tmpid(): string;
  compile(node: NjNode, frame?: unknown): void;
  fail(msg: string, lineno?: number, colno?: number): never;
  [key: string]: unknown;
}

interface CompileFrame {
  lookup(name: string): unknown;
  set(name: string, val: unknown): void;
}

type Emitter = (this: EmitCompiler, node: NjNode & Record<string, unknown>, frame: unknown) => void;

function isStarStar(n: unknown): boolean {
  return n instanceof (KwStarArgNode as unknown as new () => object);
}

function isStar(n: NjNode): boolean {
  return n instanceof StarArgNode;
}

/**
 * Emit a call's argument array. Without `*`/`**` this is Nunjucks' `[a, b, {kw}]`; with them,
 * `runtime.spreadArgs([[a], list, [b]], {kw} | null, dict | null)` builds the same shape.
 */
export function emitCallArgs(c: EmitCompiler, args: NjNode, frame: unknown, compileAggregate: () => void): void {
  const kids = args.children ?? [];
  const last = kids[kids.length - 1];
  const kw = isA(last, 'KeywordArgs') ? last : null;
  const kwStars = (kw?.children ?? []).filter((p) => isStarStar(p));
  if (!kids.some(isStar) && kwStars.length === 0) {
    compileAggregate();
    return;
  }
  c._emit('runtime.spreadArgs([');
  kids
    .filter((k) => k !== kw)
    .forEach((k, i) => {
      if (i > 0) c._emit(', ');
      if (isStar(k)) {
        c._emit('runtime.toList(');
        c._compileExpression(k.value as NjNode, frame);
        c._emit(')');
      } else {
        c._emit('[');
        c._compileExpression(k, frame);
        c._emit(']');
      }
    });
  c._emit('], {');
  const pairs = (kw?.children ?? []).filter((p) => !(isStarStar(p)));
  pairs.forEach((p, i) => {
    if (i > 0) c._emit(', ');
    c._emit(JSON.stringify(String((p.key as NjNode).value)) + ': ');
    c._compileExpression(p.value as NjNode, frame);
  });
  c._emit('}, [');
  kwStars.forEach((s, i) => {
    if (i > 0) c._emit(', ');
    c._compileExpression(s.value as NjNode, frame);
  });
  c._emit('])');
}

const compileSlice: Emitter = function (node, frame) {
  this._emit('runtime.pySlice(');
  this._compileExpression(node['target'] as NjNode, frame);
  for (const part of ['start', 'stop', 'step']) {
    this._emit(', ');
    this._compileExpression(node[part] as NjNode, frame);
  }
  this._emit(')');
};

const compileLoopControl: Emitter = function (node) {
  this._emitLine(node['kind'] === 'break' ? 'break;' : 'continue;');
};

/**
 * `{key: v}`: as in Jinja, a bare name is a variable (`{relation: []}` keys by the relation);
 * an unset name falls back to the name itself, as Nunjucks templates expect. Any other
 * expression is a computed key.
 */
const compilePair: Emitter = function (node, frame) {
  const key = node['key'] as NjNode;
  if (isA(key, 'Symbol')) {
    const name = JSON.stringify(String(key.value));
    this._emit(`[runtime.pyKeyOr(`);
    this._compileExpression(key, frame);
    this._emit(`, ${name})]`);
  } else if (isA(key, 'Literal') && typeof key.value === 'string') {
    this.compile(key, frame);
  } else {
    this._emit('[runtime.pyKey(');
    this._compileExpression(key, frame);
    this._emit(')]');
  }
  this._emit(': ');
  this._compileExpression(node['value'] as NjNode, frame);
};

/** `{% set x = v %}`, `{% set a, b = t %}` (unpacking), `{% set ns.attr = v %}`. */
const compileSet: Emitter = function (node, frame) {
  const targets = node['targets'] as NjNode[];
  const value = this._tmpid();
  this._emit(`var ${value} = `);
  if (node['value']) this._compileExpression(node['value'] as NjNode, frame);
  else this.compile(node['body'] as NjNode, frame);
  this._emitLine(';');
  targets.forEach((target, i) => {
    const v = targets.length > 1 ? `runtime.unpackItem(${value}, ${i}, ${targets.length})` : value;
    if (isA(target, 'LookupVal')) {
      this._emit('runtime.setAttr(');
      this._compileExpression(target.target as NjNode, frame);
      this._emit(', ');
      this._compileExpression(target.val as NjNode, frame);
      this._emitLine(`, ${v});`);
      return;
    }
    if (!(isA(target, 'Symbol'))) this.fail('can only assign to names and attributes', target.lineno, target.colno);
    const name = String(target.value);
    let id = (frame as CompileFrame).lookup(name);
    if (id === null || id === undefined) {
      id = this._tmpid();
      this._emitLine(`var ${String(id)};`);
    }
    this._emitLine(`${String(id)} = ${v};`);
    // Jinja scoping: an assignment inside a for loop stays in the loop (frame.isLoop, set by
    // the loop); elsewhere it updates the variable where it is defined
    this._emitLine(`frame.set(${JSON.stringify(name)}, ${String(id)}, !frame.isLoop);`);
    this._emitLine(`if(frame.topLevel) { context.setVariable(${JSON.stringify(name)}, ${String(id)}); }`);
  });
};

/** `{% for x in xs if cond %}`: filter first, so `loop.*` counts the kept items as Jinja does. */
function makeCompileFilteredFor(compileFor: Emitter): Emitter {
  return function (node, frame) {
    const cond = node['cond'] as NjNode | null;
    // mark the loop's frame so {% set %} in its body stays local (see compileSet)
    const marker = new (nodes['Literal'] as new (...a: unknown[]) => NjNode)(node.lineno, node.colno, null);
    (marker as unknown as { __emit: () => void }).__emit = () => this._emitLine('frame.isLoop = true;');
    const body = node['body'] as NjNode;
    const marked = { ...node, body: Object.assign(Object.create(Object.getPrototypeOf(body) as object) as NjNode, body, { children: [marker, ...(body.children ?? [])] }) };
    if (cond === null) {
      compileFor.call(this, marked as never, frame);
      return;
    }
    const fn = this._tmpid();
    const name = node['name'] as NjNode;
    const names = isA(name, 'Array') ? (name.children ?? []).map((n) => String(n.value)) : [String(name.value)];
    this._emitLine(`var ${fn} = function(item) { frame = frame.push(); try {`);
    names.forEach((n, i) =>
      this._emitLine(`frame.set(${JSON.stringify(n)}, ${names.length > 1 ? `runtime.unpackItem(item, ${i}, ${names.length})` : 'item'});`),
    );
    this._emit('return (');
    this._compileExpression(cond, frame);
    this._emitLine('); } finally { frame = frame.pop(); } };');
    const arr = node['arr'] as NjNode;
    const filtered = new (nodes['Literal'] as new (...a: unknown[]) => NjNode)(arr.lineno, arr.colno, null);
    (filtered as unknown as { __emit: () => void }).__emit = () => {
      this._emit('runtime.loopFilter(');
      this._compileExpression(arr, frame);
      this._emit(`, ${fn})`);
    };
    compileFor.call(this, { ...marked, arr: filtered, typename: 'For' } as never, frame);
  };
}

/** Python truthiness for conditions and `and` / `or` / `not` (`[]` and `{}` are false). */
function installTruthiness(c: EmitCompiler): void {
  c['compileIf'] = function (this: EmitCompiler, node: NjNode & Record<string, unknown>, frame: unknown) {
    this._emit('if(runtime.truthy(');
    this._compileExpression(node['cond'] as NjNode, frame);
    this._emitLine(')) {');
    (this['_withScopedSyntax'] as (f: () => void) => void).call(this, () => this.compile(node['body'] as NjNode, frame));
    if (node['else_']) {
      this._emitLine('}\nelse {');
      (this['_withScopedSyntax'] as (f: () => void) => void).call(this, () => this.compile(node['else_'] as NjNode, frame));
    }
    this._emitLine('}');
  };
  c['compileInlineIf'] = function (this: EmitCompiler, node: NjNode & Record<string, unknown>, frame: unknown) {
    this._emit('(runtime.truthy(');
    this.compile(node['cond'] as NjNode, frame);
    this._emit(') ? ');
    this.compile(node['body'] as NjNode, frame);
    this._emit(' : ');
    if (node['else_'] !== null) this.compile(node['else_'] as NjNode, frame);
    else this._emit('undefined');
    this._emit(')');
  };
  c['compileNot'] = function (this: EmitCompiler, node: NjNode & Record<string, unknown>, frame: unknown) {
    this._emit('!runtime.truthy(');
    this.compile(node['target'] as NjNode, frame);
    this._emit(')');
  };
  const logical = (fn: string) =>
    function (this: EmitCompiler, node: NjNode & Record<string, unknown>, frame: unknown) {
      this._emit(`runtime.${fn}(`);
      this.compile(node['left'] as NjNode, frame);
      this._emit(', function () { return ');
      this.compile(node['right'] as NjNode, frame);
      this._emit('; })');
    };
  c['compileAnd'] = logical('pyAnd');
  c['compileOr'] = logical('pyOr');
}

/**
 * Install the emitters on one compiler instance. `compileLiteral` learns the placeholder the
 * filtered for-loop uses for its pre-filtered iterable.
 */
export function installJinjaEmitters(c: EmitCompiler): void {
  const baseLiteral = c['compileLiteral'] as Emitter;
  c['compileLiteral'] = function (this: EmitCompiler, node: NjNode & Record<string, unknown>, frame: unknown) {
    const emit = node['__emit'];
    if (typeof emit === 'function') (emit as () => void)();
    else baseLiteral.call(this, node, frame);
  };
  installTruthiness(c);
  c['compileSlice'] = compileSlice;
  // Python comparisons: `==` compares lists, dicts and sets by value; chains are `and`ed.
  c['compileCompare'] = function (this: EmitCompiler, node: NjNode & Record<string, unknown>, frame: unknown) {
    this._emit('runtime.pyCompare(');
    this.compile(node['expr'] as NjNode, frame);
    for (const op of node['ops'] as (NjNode & { type: string; expr: NjNode })[]) {
      this._emit(`, ${JSON.stringify(op.type)}, `);
      this.compile(op.expr, frame);
    }
    this._emit(')');
  };
  c['compileLoopControl'] = compileLoopControl;
  c['compilePair'] = compilePair;
  // keyword arguments are names, never variables: `f(except=[])` passes `except`
  c['compileKeywordArgs'] = function (this: EmitCompiler, node: NjNode, frame: unknown) {
    this._emit('runtime.makeKeywordArgs({');
    (node.children ?? []).forEach((p, i) => {
      if (i > 0) this._emit(', ');
      this._emit(`${JSON.stringify(String((p.key as NjNode).value))}: `);
      this._compileExpression(p.value as NjNode, frame);
    });
    this._emit('})');
  };
  c['compileSet'] = compileSet;
  c['compileFilteredFor'] = makeCompileFilteredFor(c['compileFor'] as Emitter);
  c['_emitLoopBindings'] = function (this: EmitCompiler, _node: NjNode, arr: string, i: string, len: string) {
    const bindings: [string, string][] = [
      ['index', `${i} + 1`],
      ['index0', i],
      ['revindex', `${len} - ${i}`],
      ['revindex0', `${len} - ${i} - 1`],
      ['first', `${i} === 0`],
      ['last', `${i} === ${len} - 1`],
      ['length', len],
      ['depth', '1'],
      ['depth0', '0'],
      ['previtem', `(${i} > 0 && runtime.isArray(${arr}) ? ${arr}[${i} - 1] : undefined)`],
      ['nextitem', `(runtime.isArray(${arr}) ? ${arr}[${i} + 1] : undefined)`],
      ['cycle', `runtime.loopCycle(${i})`],
    ];
    for (const [name, val] of bindings) this._emitLine(`frame.set("loop.${name}", ${val});`);
  };
}
