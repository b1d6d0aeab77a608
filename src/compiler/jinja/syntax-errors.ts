/** Turns Nunjucks lexer/parser errors into 'jinja-syntax' diagnostics at the user's file:line:col. */
import type { Diagnostic } from '../../diagnostics/index.js';
import { isTemplateError } from './nunjucks-internals.js';

function cleanMessage(msg: string): string {
  return msg
    .replace(/^\(.*?\)\s*(\[Line \d+, Column \d+\])?\s*/s, '')
    .replace(/^Template render error:\s*/, '')
    .replace(/^parse\w*:\s*/i, '')
    .trim();
}

/**
 * Diagnostic for a syntax error thrown while parsing `file`; `lineOffset` is the 1-based line
 * where the parsed text starts in the file. Nunjucks' parser reports 1-based lines/columns;
 * its lexer 0-based ones (both observed as 1-based after Parser.fail adds one).
 */
export function jinjaSyntaxDiagnostic(
  e: unknown,
  file: string,
  lineOffset: number,
  source: string,
  node?: string,
): Diagnostic {
  if (!(e instanceof Error)) throw e;
  // Errors at end of input carry no position (and some crash the parser): point at the last line.
  const located = isTemplateError(e) && typeof e.lineno === 'number';
  const line = located ? (e.lineno as number) : source.split('\n').length;
  const col = located && typeof e.colno === 'number' ? e.colno : 1;
  const message = isTemplateError(e) ? cleanMessage(e.message) : 'unexpected end of template';
  return {
    code: 'jinja-syntax',
    severity: 'error',
    message,
    file,
    line: line + lineOffset - 1,
    col,
    ...(node === undefined ? {} : { node }),
  };
}
