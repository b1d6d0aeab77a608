import type { Diagnostic } from './diagnostic.js';

/**
 * A few lines of `source` around `line` with a caret under `col` (both 1-based).
 *
 * @example
 * codeFrame('select 1\nfrom {{ ref("x") }}', 2, 6)
 * //   1 | select 1
 * // > 2 | from {{ ref("x") }}
 * //     |      ^
 */
export function codeFrame(source: string, line: number, col = 1, context = 2): string {
  const lines = source.split(/\r?\n/);
  if (line < 1 || line > lines.length) return '';
  const start = Math.max(1, line - context);
  const end = Math.min(lines.length, line + context);
  const width = String(end).length;
  const out: string[] = [];
  for (let n = start; n <= end; n++) {
    const mark = n === line ? '>' : ' ';
    out.push(`${mark} ${String(n).padStart(width)} | ${lines[n - 1] ?? ''}`);
    if (n === line) {
      out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, col - 1))}^`);
    }
  }
  return out.join('\n');
}

/** Adds a code frame to a diagnostic when its file's source is available. */
export function withCodeFrame(d: Diagnostic, readSource: (file: string) => string | undefined): Diagnostic {
  if (d.frame || !d.file || !d.line) return d;
  const src = readSource(d.file);
  if (src === undefined) return d;
  const frame = codeFrame(src, d.line, d.col ?? 1);
  return frame ? { ...d, frame } : d;
}

/** `file:line:col: error[code]: message` plus hint and frame, for terminals. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}${d.col ? `:${d.col}` : ''}` : ''}: ` : '';
  const parts = [`${where}${d.severity}[${d.code}]: ${d.message}`];
  if (d.frame) parts.push(d.frame);
  if (d.hint) parts.push(`  hint: ${d.hint}`);
  return parts.join('\n');
}
