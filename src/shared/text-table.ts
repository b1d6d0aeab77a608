/**
 * A plain-text table in Markdown pipe syntax, for messages that list rows (contract mismatches,
 * unit test differences). The first row is the header.
 *
 * @example textTable([['column', 'type'], ['id', 'integer']])
 * // | column | type    |
 * // | ------ | ------- |
 * // | id     | integer |
 */
export function textTable(rows: readonly (readonly string[])[]): string {
  const head = rows[0];
  if (!head) return '';
  const widths = head.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => `| ${widths.map((w, i) => (r[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n');
}
