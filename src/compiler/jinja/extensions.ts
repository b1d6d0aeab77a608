/**
 * Block tags dbt adds to Jinja: `{% do %}`, `{% test %}` (a macro named `test_<name>`),
 * `{% snapshot %}` (renders its body), and `{% docs %}` / `{% materialization %}` (parsed, ignored).
 */
import type { NjExtension, NjNode, NjNodes, NjParser } from './nunjucks-internals.js';

/** `{% do expr %}`: evaluate, print nothing. */
export const doExtension: NjExtension = {
  tags: ['do'],
  parse(parser: NjParser, nodes: NjNodes): NjNode {
    const tok = parser.nextToken();
    const expr = parser.parseExpression();
    parser.advanceAfterBlockEnd(tok.value);
    return new nodes.CallExtension(this, 'run', new nodes.NodeList(tok.lineno, tok.colno, [expr]));
  },
  run(): string {
    return '';
  },
};

/** `{% test name(model, column_name) %}...{% endtest %}` = `{% macro test_name(...) %}`. */
export const testExtension: NjExtension = {
  tags: ['test'],
  parse(parser: NjParser, nodes: NjNodes): NjNode {
    const tok = parser.nextToken();
    const name = parser.parsePrimary(true);
    if (typeof name.value !== 'string') parser.fail('expected a test name', tok.lineno, tok.colno);
    name.value = `test_${name.value}`;
    const args = parser.parseSignature();
    const node = new nodes.Macro(tok.lineno, tok.colno, name, args);
    parser.advanceAfterBlockEnd(tok.value);
    node.body = parser.parseUntilBlocks('endtest');
    parser.advanceAfterBlockEnd();
    return node;
  },
};

/** `{% snapshot name %}body{% endsnapshot %}` renders `body` (snapshotBlocks extracts it raw). */
export const snapshotExtension: NjExtension = {
  tags: ['snapshot'],
  parse(parser: NjParser): NjNode {
    const tok = parser.nextToken();
    parser.parsePrimary(true);
    parser.advanceAfterBlockEnd(tok.value);
    const body = parser.parseUntilBlocks('endsnapshot');
    parser.advanceAfterBlockEnd();
    return body;
  },
};

/** A tag whose block is parsed and dropped (`docs`, `materialization`). */
function ignoredBlock(tag: string): NjExtension {
  return {
    tags: [tag],
    parse(parser: NjParser, nodes: NjNodes): NjNode {
      const tok = parser.nextToken();
      parser.parseSignature(null, true);
      parser.advanceAfterBlockEnd(tok.value);
      parser.parseUntilBlocks(`end${tag}`);
      parser.advanceAfterBlockEnd();
      return new nodes.NodeList(tok.lineno, tok.colno, []);
    },
  };
}

export const docsExtension = ignoredBlock('docs');

/**
 * `{% materialization name, adapter='default' %}body{% endmaterialization %}` (also
 * `{% materialization name, default %}`) defines the macro `materialization_<name>_<adapter>`,
 * as dbt names it; it takes no arguments (it reads `this`, `config`, `sql` from the context).
 */
export const materializationExtension: NjExtension = {
  tags: ['materialization'],
  parse(parser: NjParser, nodes: NjNodes): NjNode {
    const tok = parser.nextToken();
    const name = parser.parsePrimary(true);
    if (typeof name.value !== 'string') parser.fail('expected a materialization name', tok.lineno, tok.colno);
    let adapter = 'default';
    while (parser.peekToken().type === 'comma') {
      parser.nextToken();
      const key = parser.nextToken();
      if (key.value === 'default') continue;
      const eq = parser.nextToken();
      if (eq.value !== '=') parser.fail(`expected '=' after '${key.value}' in the materialization tag`, eq.lineno, eq.colno);
      const value = parser.parseExpression();
      if (key.value === 'adapter') {
        if (typeof value.value !== 'string') parser.fail("adapter= must be a string such as 'default' or 'postgres'", key.lineno, key.colno);
        adapter = value.value;
      }
    }
    name.value = `materialization_${name.value}_${adapter}`;
    const node = new nodes.Macro(tok.lineno, tok.colno, name, new nodes.NodeList(tok.lineno, tok.colno, []));
    parser.advanceAfterBlockEnd(tok.value);
    node.body = parser.parseUntilBlocks('endmaterialization');
    parser.advanceAfterBlockEnd();
    return node;
  },
};

export const ALL_EXTENSIONS: readonly NjExtension[] = [
  doExtension,
  testExtension,
  snapshotExtension,
  docsExtension,
  materializationExtension,
];
