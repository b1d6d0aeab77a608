/**
 * Jinja2's grammar on top of Nunjucks' lexer and parser, as subclasses (Nunjucks' own modules
 * are never modified). What Nunjucks lacks and dbt packages use:
 * - strings with Python escapes (`'\d+'` keeps its backslash, `\` + newline continues the line)
 *   and adjacent literals concatenated (`'a' "b"` is `'ab'`);
 * - `}}` inside an expression that is still inside `{`…`}` (`{{ {'a': {'b': 1}} }}`);
 * - trailing commas in calls, lists, tuples and dicts; dict keys that are expressions;
 * - slices `x[1:]`, `x[:-1]`, `x[::2]`; `*args` and `**kwargs` in calls;
 * - `{% set ns.attr = … %}`, `{% set a, b = 1, 2 %}`; `{% break %}` / `{% continue %}`;
 * - `{% for x in xs if cond %}` (filtered loops).
 * The extra nodes (Slice, StarArg, KwStarArg, LoopControl, FilteredFor) are compiled by
 * nunjucks-internals.ts.
 */
import { createRequire } from 'node:module';
import type { NjExtension, NjNode, NjToken } from './nunjucks-internals.js';

const require = createRequire(import.meta.url);

interface LexerModule {
  lex(src: string, opts?: object): TokenizerLike;
  TOKEN_STRING: string;
  TOKEN_LEFT_PAREN: string;
  TOKEN_RIGHT_PAREN: string;
  TOKEN_LEFT_BRACKET: string;
  TOKEN_RIGHT_BRACKET: string;
  TOKEN_LEFT_CURLY: string;
  TOKEN_RIGHT_CURLY: string;
  TOKEN_COMMA: string;
  TOKEN_COLON: string;
  TOKEN_OPERATOR: string;
  TOKEN_SYMBOL: string;
  TOKEN_BLOCK_END: string;
  TOKEN_VARIABLE_END: string;
  TOKEN_BLOCK_START: string;
  TOKEN_VARIABLE_START: string;
  TOKEN_INT: string;
  TOKEN_FLOAT: string;
  TOKEN_BOOLEAN: string;
  TOKEN_NONE: string;
  TOKEN_REGEX: string;
}

interface TokenizerLike {
  in_code: boolean;
  str: string;
  index: number;
  lineno: number;
  colno: number;
  nextToken(): NjToken | null;
  current(): string;
  forward(): void;
  isFinished(): boolean;
}

type Ctor<T> = new (...args: never[]) => T;

const lexer = require('nunjucks/src/lexer.js') as LexerModule;
const nodes = require('nunjucks/src/nodes.js') as Record<string, Ctor<NjNode> & { extend(name: string, props?: object): Ctor<NjNode> }>;
const parserModule = require('nunjucks/src/parser.js') as { Parser: Ctor<ParserLike> };

interface ParserLike {
  tokens: TokenizerLike;
  extensions: readonly NjExtension[];
  peeked: NjToken | null;
  nextToken(withWhitespace?: boolean): NjToken | null;
  peekToken(): NjToken;
  pushToken(t: NjToken): void;
  skip(type: string): boolean;
  skipValue(type: string, val: string): boolean;
  skipSymbol(val: string): boolean;
  expect(type: string): NjToken;
  fail(msg: string, lineno?: number, colno?: number): never;
  error(msg: string, lineno?: number, colno?: number): Error;
  advanceAfterBlockEnd(name?: string): NjToken;
  parseExpression(): NjNode;
  parseInlineIf(): NjNode;
  parseOr(): NjNode;
  parseCompare(): NjNode;
  parseIs(): NjNode;
  parsePrimary(noPostfix?: boolean): NjNode;
  parsePostfix(node: NjNode): NjNode;
  parseAggregate(): NjNode | null;
  parseSignature(tolerant?: boolean | null, noParens?: boolean): NjNode | null;
  parseUntilBlocks(...names: string[]): NjNode;
  parseStatement(): NjNode | null;
  parseSet(): NjNode;
  parseFor(): NjNode;
  parseAsRoot(): NjNode;
}

/** `x[start:stop:step]` (a FunCall subtype so Nunjucks' expression checks accept it). */
export const SliceNode = nodes['FunCall']!.extend('Slice', { fields: ['target', 'start', 'stop', 'step'] });
/** `*expr` in a call. */
export const StarArgNode = nodes['FunCall']!.extend('StarArg', { fields: ['value'] });
/** `**expr` in a call. */
export const KwStarArgNode = nodes['FunCall']!.extend('KwStarArg', { fields: ['value'] });
/** `{% break %}` / `{% continue %}`. */
export const LoopControlNode = nodes['Node']!.extend('LoopControl', { fields: ['kind'] });
/** `{% for x in xs if cond %}`: a For whose body only runs for items where `cond` holds. */
export const FilteredForNode = nodes['For']!.extend('FilteredFor', { fields: ['arr', 'name', 'body', 'else_', 'cond'] });

const PY_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

const TokenizerBase = (lexer.lex('').constructor as Ctor<TokenizerLike>);

/** Python number literals Nunjucks reads as names: `1_000`, `0x10`, `0o17`, `0b101`, `1e20`. */
function pythonNumber(t: NjToken): NjToken {
  const v = t.value;
  if (!/^[0-9]/.test(v)) return t;
  const plain = v.replace(/_/g, '');
  let n: number | undefined;
  if (/^0[xX][0-9a-fA-F]+$/.test(plain)) n = parseInt(plain.slice(2), 16);
  else if (/^0[oO][0-7]+$/.test(plain)) n = parseInt(plain.slice(2), 8);
  else if (/^0[bB][01]+$/.test(plain)) n = parseInt(plain.slice(2), 2);
  else if (/^[0-9]+$/.test(plain)) n = Number(plain);
  else if (/^[0-9]+[eE][0-9]+$/.test(plain)) return { ...t, type: lexer.TOKEN_FLOAT, value: plain };
  return n === undefined ? t : { ...t, type: lexer.TOKEN_INT, value: String(n) };
}

class JinjaTokenizer extends TokenizerBase {
  /** Open `{`, `(`, `[` inside the current tag: `}}` only closes the tag at depth 0. */
  depth = 0;

  override nextToken(): NjToken | null {
    if (this.in_code && this.depth > 0 && this.current() === '}') {
      const lineno = this.lineno;
      const colno = this.colno;
      this.forward();
      this.depth--;
      return { type: lexer.TOKEN_RIGHT_CURLY, value: '}', lineno, colno };
    }
    const raw = super.nextToken();
    if (raw === null) return raw;
    const tok = raw.type === lexer.TOKEN_SYMBOL ? pythonNumber(raw) : raw;
    switch (tok.type) {
      case lexer.TOKEN_LEFT_CURLY:
      case lexer.TOKEN_LEFT_PAREN:
      case lexer.TOKEN_LEFT_BRACKET:
        this.depth++;
        break;
      case lexer.TOKEN_RIGHT_CURLY:
      case lexer.TOKEN_RIGHT_PAREN:
      case lexer.TOKEN_RIGHT_BRACKET:
        if (this.depth > 0) this.depth--;
        break;
      case lexer.TOKEN_BLOCK_END:
      case lexer.TOKEN_VARIABLE_END:
      case lexer.TOKEN_BLOCK_START:
      case lexer.TOKEN_VARIABLE_START:
        this.depth = 0;
        break;
      default:
        break;
    }
    return tok;
  }

  /** A string literal with Python's escapes (unknown escapes keep their backslash). */
  _parseString(delimiter: string): string {
    this.forward();
    let str = '';
    while (!this.isFinished() && this.current() !== delimiter) {
      const cur = this.current();
      if (cur !== '\\') {
        str += cur;
        this.forward();
        continue;
      }
      this.forward();
      const c = this.current();
      if (c === '\n') {
        this.forward();
        continue;
      }
      const known = PY_ESCAPES[c];
      if (known !== undefined) {
        str += known;
        this.forward();
        continue;
      }
      const hexLen = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
      const hex = hexLen > 0 ? this.str.slice(this.index + 1, this.index + 1 + hexLen) : '';
      if (hexLen > 0 && new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(hex)) {
        str += String.fromCodePoint(parseInt(hex, 16));
        for (let i = 0; i <= hexLen; i++) this.forward();
        continue;
      }
      str += '\\' + c;
      this.forward();
    }
    this.forward();
    return str;
  }
}

const T = lexer;

/** Words that end an `is` test rather than start its argument. */
const TEST_ENDERS = new Set(['and', 'or', 'not', 'if', 'else', 'in', 'is', 'recursive']);

/** Whether a token can start the argument of `x is test arg`. */
function startsArgument(t: NjToken): boolean {
  if (t.type === T.TOKEN_SYMBOL) return !TEST_ENDERS.has(t.value);
  return [T.TOKEN_INT, T.TOKEN_FLOAT, T.TOKEN_STRING, T.TOKEN_BOOLEAN, T.TOKEN_NONE, T.TOKEN_LEFT_BRACKET, T.TOKEN_LEFT_CURLY, T.TOKEN_LEFT_PAREN].includes(t.type);
}

function closes(type: string): boolean {
  return type === T.TOKEN_RIGHT_PAREN || type === T.TOKEN_RIGHT_BRACKET || type === T.TOKEN_RIGHT_CURLY;
}

class JinjaParser extends parserModule.Parser {
  override parsePrimary(noPostfix?: boolean): NjNode {
    const tok = this.peekToken();
    if (tok !== null && tok.type === T.TOKEN_STRING) {
      this.nextToken();
      let value = tok.value;
      while (this.peekToken()?.type === T.TOKEN_STRING) value += (this.nextToken() as NjToken).value;
      const lit = new nodes['Literal']!(tok.lineno as never, tok.colno as never, value as never);
      return noPostfix ? lit : this.parsePostfix(lit);
    }
    return super.parsePrimary(noPostfix);
  }

  override parsePostfix(node: NjNode): NjNode {
    let cur = node;
    for (;;) {
      const tok = this.peekToken();
      if (tok === null) return cur;
      if (tok.type === T.TOKEN_LEFT_PAREN) {
        cur = new nodes['FunCall']!(tok.lineno as never, tok.colno as never, cur as never, this.parseSignature() as never);
      } else if (tok.type === T.TOKEN_LEFT_BRACKET) {
        cur = this.parseSubscript(cur, tok);
      } else if (tok.type === T.TOKEN_OPERATOR && tok.value === '.') {
        this.nextToken();
        const val = this.nextToken();
        if (val === null || (val.type !== T.TOKEN_SYMBOL && val.type !== T.TOKEN_INT)) {
          this.fail(`expected a name after '.', got ${val?.value ?? 'end of template'}`, val?.lineno, val?.colno);
        }
        const key = new nodes['Literal']!(val.lineno as never, val.colno as never, (val.type === T.TOKEN_INT ? Number(val.value) : val.value) as never);
        cur = new nodes['LookupVal']!(tok.lineno as never, tok.colno as never, cur as never, key as never);
      } else {
        return cur;
      }
    }
  }

  /** `x[i]` or a slice `x[a:b:c]`; the `[` is the next token. */
  private parseSubscript(target: NjNode, tok: NjToken): NjNode {
    this.nextToken();
    const parts: (NjNode | null)[] = [null];
    let sliced = false;
    for (;;) {
      const t = this.peekToken();
      if (t === null) this.fail('unexpected end of template in subscript', tok.lineno, tok.colno);
      if (t.type === T.TOKEN_RIGHT_BRACKET) {
        this.nextToken();
        break;
      }
      if (t.type === T.TOKEN_COLON) {
        this.nextToken();
        sliced = true;
        parts.push(null);
        continue;
      }
      if (parts[parts.length - 1] !== null) this.fail('invalid subscript: expected ] or :', t.lineno, t.colno);
      parts[parts.length - 1] = this.parseExpression();
    }
    if (!sliced) {
      if (parts[0] === null) this.fail('empty subscript []', tok.lineno, tok.colno);
      return new nodes['LookupVal']!(tok.lineno as never, tok.colno as never, target as never, parts[0] as never);
    }
    if (parts.length > 3) this.fail('invalid slice: at most start:stop:step', tok.lineno, tok.colno);
    const none = (): NjNode => new nodes['Literal']!(tok.lineno as never, tok.colno as never, null as never);
    return new SliceNode(
      tok.lineno as never,
      tok.colno as never,
      target as never,
      (parts[0] ?? none()) as never,
      (parts[1] ?? none()) as never,
      (parts[2] ?? none()) as never,
    );
  }

  override parseAggregate(): NjNode | null {
    const tok = this.nextToken();
    if (tok === null) return null;
    let node: NjNode;
    if (tok.type === T.TOKEN_LEFT_PAREN) node = new nodes['Group']!(tok.lineno as never, tok.colno as never);
    else if (tok.type === T.TOKEN_LEFT_BRACKET) node = new nodes['Array']!(tok.lineno as never, tok.colno as never);
    else if (tok.type === T.TOKEN_LEFT_CURLY) node = new nodes['Dict']!(tok.lineno as never, tok.colno as never);
    else return null;
    const kids = (): NjNode[] => node.children ?? [];
    let sawComma = false;
    for (;;) {
      const type = this.peekToken()?.type;
      if (type === undefined) this.fail('unexpected end of template: unclosed bracket', tok.lineno, tok.colno);
      if (closes(type)) {
        this.nextToken();
        break;
      }
      if (kids().length > 0) {
        if (!this.skip(T.TOKEN_COMMA)) this.fail('expected a comma between items', tok.lineno, tok.colno);
        sawComma = true;
        if (closes(this.peekToken()?.type ?? '')) continue;
      }
      if (node instanceof nodes['Dict']!) {
        const key = this.parseExpression();
        if (!this.skip(T.TOKEN_COLON)) this.fail('expected a colon after the dict key', tok.lineno, tok.colno);
        const value = this.parseExpression();
        kids().push(new nodes['Pair']!(key.lineno as never, key.colno as never, key as never, value as never));
      } else {
        kids().push(this.parseExpression());
      }
    }
    // `(x,)` is a one-item tuple; `(x)` a parenthesised expression
    if (node instanceof nodes['Group']! && sawComma && kids().length === 1) {
      const arr = new nodes['Array']!(tok.lineno as never, tok.colno as never);
      arr.children = kids();
      return arr;
    }
    return node;
  }

  override parseSignature(tolerant?: boolean | null, noParens?: boolean): NjNode | null {
    let tok = this.peekToken();
    if (!noParens && tok?.type !== T.TOKEN_LEFT_PAREN) {
      if (tolerant) return null;
      this.fail('expected arguments', tok?.lineno, tok?.colno);
    }
    if (tok?.type === T.TOKEN_LEFT_PAREN) tok = this.nextToken() as NjToken;
    const args = new nodes['NodeList']!(tok.lineno as never, tok.colno as never);
    const kwargs = new nodes['KeywordArgs']!(tok.lineno as never, tok.colno as never);
    let first = true;
    for (;;) {
      tok = this.peekToken();
      if (tok === null) this.fail('unexpected end of template in argument list');
      if (!noParens && tok.type === T.TOKEN_RIGHT_PAREN) {
        this.nextToken();
        break;
      }
      if (noParens && tok.type === T.TOKEN_BLOCK_END) break;
      if (!first) {
        if (!this.skip(T.TOKEN_COMMA)) this.fail('expected a comma between arguments', tok.lineno, tok.colno);
        const next = this.peekToken();
        if (!noParens && next?.type === T.TOKEN_RIGHT_PAREN) continue;
      }
      first = false;
      const at = this.peekToken();
      if (at.type === T.TOKEN_OPERATOR && (at.value === '*' || at.value === '**')) {
        this.nextToken();
        const value = this.parseExpression();
        const Ctor = at.value === '*' ? StarArgNode : KwStarArgNode;
        const star = new Ctor(at.lineno as never, at.colno as never, value as never);
        if (at.value === '**') (kwargs.children ?? []).push(star);
        else (args.children ?? []).push(star);
        continue;
      }
      const arg = this.parseExpression();
      if (this.skipValue(T.TOKEN_OPERATOR, '=')) {
        (kwargs.children ?? []).push(
          new nodes['Pair']!(arg.lineno as never, arg.colno as never, arg as never, this.parseExpression() as never),
        );
      } else {
        (args.children ?? []).push(arg);
      }
    }
    if ((kwargs.children ?? []).length > 0) (args.children ?? []).push(kwargs);
    return args;
  }

  override parseSet(): NjNode {
    const tag = this.peekToken();
    if (!this.skipSymbol('set')) this.fail('expected set', tag.lineno, tag.colno);
    const node = new nodes['Set']!(tag.lineno as never, tag.colno as never, [] as never) as NjNode & {
      targets: NjNode[];
      value: NjNode | null;
      body: NjNode | null;
    };
    for (;;) {
      node.targets.push(this.parsePrimary());
      if (!this.skip(T.TOKEN_COMMA)) break;
    }
    if (!this.skipValue(T.TOKEN_OPERATOR, '=')) {
      if (!this.skip(T.TOKEN_BLOCK_END)) this.fail('expected = or the end of the set tag', tag.lineno, tag.colno);
      node.body = new nodes['Capture']!(tag.lineno as never, tag.colno as never, this.parseUntilBlocks('endset') as never);
      node.value = null;
      this.advanceAfterBlockEnd();
      return node;
    }
    const first = this.parseExpression();
    if (this.peekToken()?.type === T.TOKEN_COMMA) {
      const tuple = new nodes['Array']!(first.lineno as never, first.colno as never);
      tuple.children = [first];
      while (this.skip(T.TOKEN_COMMA)) {
        if (this.peekToken()?.type === T.TOKEN_BLOCK_END) break;
        tuple.children.push(this.parseExpression());
      }
      node.value = tuple;
    } else {
      node.value = first;
    }
    this.advanceAfterBlockEnd(tag.value);
    return node;
  }

  override parseFor(): NjNode {
    const forTok = this.peekToken();
    if (!this.skipSymbol('for')) return super.parseFor();
    const node = new FilteredForNode(forTok.lineno as never, forTok.colno as never) as NjNode & {
      name: NjNode;
      arr: NjNode;
      body: NjNode;
      else_: NjNode | null;
      cond: NjNode | null;
    };
    node.name = this.parsePrimary();
    if (!(node.name instanceof nodes['Symbol']!)) this.fail('expected a loop variable name', forTok.lineno, forTok.colno);
    if (this.peekToken()?.type === T.TOKEN_COMMA) {
      const key = node.name;
      node.name = new nodes['Array']!(key.lineno as never, key.colno as never);
      node.name.children = [key];
      while (this.skip(T.TOKEN_COMMA)) node.name.children.push(this.parsePrimary());
    }
    if (!this.skipSymbol('in')) this.fail('expected "in" in the for loop', forTok.lineno, forTok.colno);
    // the iterable is an `or`-level expression so that a trailing `if` filters, as in Jinja
    node.arr = this.parseOr();
    node.cond = this.skipSymbol('if') ? this.parseExpression() : null;
    this.skipSymbol('recursive');
    this.advanceAfterBlockEnd(forTok.value);
    node.body = this.parseUntilBlocks('endfor', 'else');
    if (this.skipSymbol('else')) {
      this.advanceAfterBlockEnd('else');
      node.else_ = this.parseUntilBlocks('endfor');
    }
    this.advanceAfterBlockEnd();
    return node;
  }

  /**
   * `x is test`, `x is test(arg)` and Jinja's one-argument form without parentheses:
   * `x is divisibleby 3`, `x is sameas false`, `x is in [1, 2]`.
   */
  override parseIs(): NjNode {
    let node = this.parseCompare();
    if (!this.skipSymbol('is')) return node;
    const not = this.skipSymbol('not');
    // the test's name, then `(args)`, or one argument written without parentheses
    let test = this.parsePrimary(true);
    const next = this.peekToken();
    if (next?.type === T.TOKEN_LEFT_PAREN) {
      test = new nodes['FunCall']!(test.lineno as never, test.colno as never, test as never, this.parseSignature() as never);
    } else if (test instanceof nodes['Symbol']! && next !== null && startsArgument(next)) {
      const arg = this.parsePrimary();
      const args = new nodes['NodeList']!(arg.lineno as never, arg.colno as never);
      args.children = [arg];
      test = new nodes['FunCall']!(test.lineno as never, test.colno as never, test as never, args as never);
    }
    node = new nodes['Is']!(node.lineno as never, node.colno as never, node as never, test as never);
    return not ? new nodes['Not']!(node.lineno as never, node.colno as never, node as never) : node;
  }

  override parseStatement(): NjNode | null {
    const tok = this.peekToken();
    if (tok?.type === T.TOKEN_SYMBOL && (tok.value === 'break' || tok.value === 'continue')) {
      this.nextToken();
      this.advanceAfterBlockEnd(tok.value);
      return new LoopControlNode(tok.lineno as never, tok.colno as never, tok.value as never);
    }
    return super.parseStatement();
  }
}

/** Parse a template with Jinja2's grammar (syntax errors throw Nunjucks' TemplateError). */
export function parseJinja(src: string, extensions: readonly NjExtension[]): NjNode {
  const tokens = new JinjaTokenizer(src as never, {} as never);
  const p = new JinjaParser(tokens as never);
  p.extensions = extensions;
  return p.parseAsRoot();
}
