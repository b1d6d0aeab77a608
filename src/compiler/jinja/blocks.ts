/**
 * Raw-text scanning for `{% docs name %}` and `{% snapshot name %}` blocks: their bodies are
 * needed verbatim (docs are not rendered; snapshot bodies are rendered later as their own node).
 */
import type { Diagnostic } from '../../diagnostics/index.js';
import type { SourceFile } from '../../project/types.js';
import type { DocBlock, SnapshotBlock } from './types.js';

function lineAt(src: string, offset: number): number {
  let n = 1;
  for (let i = src.indexOf('\n'); i !== -1 && i < offset; i = src.indexOf('\n', i + 1)) n++;
  return n;
}

interface RawBlock {
  readonly name: string;
  readonly body: string;
  readonly bodyOffset: number;
  readonly tagOffset: number;
}

function scan(src: string, tag: string, file: string): { blocks: RawBlock[]; diagnostics: Diagnostic[] } {
  const open = new RegExp(`\\{%-?\\s*${tag}\\s+([A-Za-z_][\\w]*)\\s*-?%\\}`, 'g');
  const close = new RegExp(`\\{%-?\\s*end${tag}\\s*-?%\\}`, 'g');
  const blocks: RawBlock[] = [];
  const diagnostics: Diagnostic[] = [];
  for (let m = open.exec(src); m !== null; m = open.exec(src)) {
    const bodyOffset = m.index + m[0].length;
    close.lastIndex = bodyOffset;
    const end = close.exec(src);
    if (end === null) {
      diagnostics.push({
        code: 'jinja-syntax',
        severity: 'error',
        message: `unclosed {% ${tag} ${m[1] ?? ''} %}: expected {% end${tag} %}`,
        file,
        line: lineAt(src, m.index),
        col: m.index - src.lastIndexOf('\n', m.index - 1),
      });
      break;
    }
    blocks.push({ name: m[1] ?? '', body: src.slice(bodyOffset, end.index), bodyOffset, tagOffset: m.index });
    open.lastIndex = end.index + end[0].length;
  }
  return { blocks, diagnostics };
}

/**
 * `{% docs name %}...{% enddocs %}` blocks of `.md` files (contents trimmed, as dbt does).
 *
 * @example docBlocks([{ path: 'models/docs.md', contents: '{% docs x %} X {% enddocs %}', hash: '' }]).docs.x.contents // 'X'
 */
export function docBlocks(files: readonly SourceFile[]): { docs: Record<string, DocBlock>; diagnostics: Diagnostic[] } {
  const docs: Record<string, DocBlock> = {};
  const diagnostics: Diagnostic[] = [];
  for (const f of files) {
    const r = scan(f.contents, 'docs', f.path);
    diagnostics.push(...r.diagnostics);
    for (const b of r.blocks) {
      const line = lineAt(f.contents, b.tagOffset);
      const prior = docs[b.name];
      if (prior !== undefined) {
        diagnostics.push({
          code: 'duplicate-node',
          severity: 'error',
          message: `doc '${b.name}' is defined twice: here and at ${prior.original_file_path}:${prior.line}`,
          file: f.path,
          line,
        });
        continue;
      }
      docs[b.name] = { name: b.name, contents: b.body.trim(), original_file_path: f.path, line };
    }
  }
  return { docs, diagnostics };
}

/** `{% snapshot name %}` blocks of one file, bodies raw with the 1-based line where they start. */
export function scanSnapshotBlocks(file: SourceFile): { blocks: SnapshotBlock[]; diagnostics: Diagnostic[] } {
  const r = scan(file.contents, 'snapshot', file.path);
  return {
    blocks: r.blocks.map((b) => ({ name: b.name, body: b.body, line: lineAt(file.contents, b.bodyOffset) })),
    diagnostics: r.diagnostics,
  };
}
