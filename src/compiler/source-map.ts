/**
 * Source maps from rendered / compiled SQL back to the template the user wrote.
 *
 * A map is a flat list of quadruples `[offset, line, col, length]`, sorted by `offset` (a char
 * offset into the SQL it describes). From `offset` on, the SQL was produced by:
 * - `length >= 0`: plain template text of that length starting at `line:col` (1-based, in the
 *   node's file): it is copied verbatim, so a position inside maps exactly;
 * - `length === -1`: an expression or tag (`{{ … }}` / `{% … %}`) at `line:col`;
 * - `length === -2`: text that comes from no line of the file (ephemeral CTEs injected by the
 *   compiler); positions there are not located.
 *
 * The renderer records raw marks (renderer.ts); `finishMarks` fixes them against the template;
 * `applyEdits` carries a map through the compiler's rewrites (placeholders → relation names,
 * injected CTEs); `locate` answers a position.
 */
export type SourceMap = readonly number[];

export const GENERATED = -1;
export const NO_SOURCE = -2;

/** One rewrite of the described SQL: `removed` chars at `at` replaced by `inserted` chars. */
export interface TextEdit {
  readonly at: number;
  readonly removed: number;
  readonly inserted: number;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function positionOf(starts: readonly number[], offset: number): { line: number; col: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: offset - starts[lo]! + 1 };
}

/**
 * Turns the renderer's raw marks (template-relative line/col of each append) into a map in
 * file coordinates. Nunjucks drops the leading whitespace of a text after `-%}` but keeps the
 * position of the original text: the mark is moved to where the printed text really starts.
 *
 * @param lineOffset 1-based line of the file where `template` starts (snapshot bodies).
 */
export function finishMarks(marks: readonly number[], template: string, output: string, lineOffset = 1): SourceMap {
  const starts = lineStarts(template);
  const out: number[] = [];
  for (let i = 0; i + 3 < marks.length; i += 4) {
    const at = marks[i]!;
    let line = marks[i + 1]!;
    let col = marks[i + 2]!;
    const len = marks[i + 3]!;
    if (len > 0 && line <= starts.length) {
      const text = output.slice(at, at + len);
      let src = starts[line - 1]! + col - 1;
      if (!template.startsWith(text, src)) {
        let j = src;
        while (j < template.length && /\s/.test(template[j]!) && !template.startsWith(text, j)) j++;
        if (template.startsWith(text, j)) src = j;
      }
      ({ line, col } = positionOf(starts, src));
    }
    out.push(at, line + lineOffset - 1, col, len);
  }
  return out;
}

/**
 * The map of `text` after `edits` (sorted by `at`, non-overlapping, in `text`'s coordinates).
 * A mark inside a replaced range moves to its start; a plain-text run cut by an insertion is
 * split around it; an insertion that cuts or precedes nothing mapped gets a NO_SOURCE mark
 * when `insertedHasNoSource`.
 */
export function applyEdits(map: SourceMap, text: string, edits: readonly TextEdit[], insertedHasNoSource = false): SourceMap {
  if (edits.length === 0) return map;
  // split plain-text runs at every edit boundary inside them, so no run spans an edit
  const cuts = new Set<number>();
  for (const e of edits) {
    cuts.add(e.at);
    cuts.add(e.at + e.removed);
  }
  const sortedCuts = [...cuts].sort((a, b) => a - b);
  const split: number[] = [];
  for (let i = 0; i + 3 < map.length; i += 4) {
    const at = map[i]!;
    const line = map[i + 1]!;
    const col = map[i + 2]!;
    const len = map[i + 3]!;
    split.push(at, line, col, len);
    if (len <= 0) continue;
    let prev = at;
    for (const c of sortedCuts) {
      if (c <= at || c >= at + len) continue;
      split[split.length - 1] = c - prev;
      const p = advance(text, at, c, line, col);
      split.push(c, p.line, p.col, at + len - c);
      prev = c;
    }
  }
  const out: number[] = [];
  let e = 0;
  let shift = 0;
  const passEdit = (): void => {
    const ed = edits[e]!;
    if (insertedHasNoSource && ed.inserted > 0) out.push(ed.at + shift, 0, 0, NO_SOURCE);
    shift += ed.inserted - ed.removed;
    e++;
  };
  for (let i = 0; i + 3 < split.length; i += 4) {
    const at = split[i]!;
    // edits wholly before this mark (an insertion at the mark's offset pushes the mark after it)
    while (e < edits.length && edits[e]!.at + edits[e]!.removed <= at) passEdit();
    const ed = edits[e];
    const inside = ed !== undefined && ed.at < at && at < ed.at + ed.removed;
    const len = split[i + 3]!;
    out.push(inside ? ed.at + shift : at + shift, split[i + 1]!, split[i + 2]!, inside && len > 0 ? 0 : len);
  }
  while (e < edits.length) passEdit();
  return sortMarks(out);
}

function sortMarks(map: number[]): number[] {
  const quads: number[][] = [];
  for (let i = 0; i + 3 < map.length; i += 4) quads.push(map.slice(i, i + 4));
  // stable: marks at the same offset keep their order (the last one produced the text there)
  quads.sort((a, b) => a[0]! - b[0]!);
  return quads.flat();
}

/** line:col of `text[to]` in a plain-text run that starts at `text[runStart]` = line:col. */
function advance(text: string, runStart: number, to: number, line: number, col: number): { line: number; col: number } {
  let l = line;
  let c = col;
  for (let i = runStart; i < to; i++) {
    if (text[i] === '\n') {
      l++;
      c = 1;
    } else c++;
  }
  return { line: l, col: c };
}

/**
 * The single insertion that turns `before` into `after` (e.g. injected ephemeral CTEs), or
 * undefined when `after` is not `before` with one insertion.
 */
export function insertionEdit(before: string, after: string): TextEdit | undefined {
  const inserted = after.length - before.length;
  if (inserted < 0) return undefined;
  if (inserted === 0) return before === after ? { at: 0, removed: 0, inserted: 0 } : undefined;
  let p = 0;
  while (p < before.length && before.charCodeAt(p) === after.charCodeAt(p)) p++;
  for (let at = p; at >= 0; at--) {
    if (after.startsWith(before.slice(at), at + inserted) && after.startsWith(before.slice(0, at))) return { at, removed: 0, inserted };
  }
  return undefined;
}

/**
 * The map of `compiled` (= `body` with ephemeral CTEs injected, see resolve-relations.ts'
 * `injectCtes`) from the map of `body`; the CTEs are marked NO_SOURCE.
 */
export function compiledSourceMap(map: SourceMap, body: string, compiled: string): SourceMap | undefined {
  if (compiled === body) return map;
  const edit = insertionEdit(body, compiled);
  return edit ? applyEdits(map, body, [edit], true) : undefined;
}

/**
 * The template line:col that produced the char at `offset` of `text` (the SQL `map` describes),
 * or undefined when no mark covers it.
 *
 * @example locate([0, 3, 1, 20], 'select a,\nfrom x   ', 10) // { line: 4, col: 1 }
 */
export function locate(map: SourceMap, text: string, offset: number): { line: number; col: number } | undefined {
  let lo = 0;
  let hi = map.length / 4 - 1;
  if (hi < 0 || map[0]! > offset) return undefined;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (map[mid * 4]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  const at = map[lo * 4]!;
  const line = map[lo * 4 + 1]!;
  const col = map[lo * 4 + 2]!;
  const len = map[lo * 4 + 3]!;
  if (len === NO_SOURCE || line < 1) return undefined;
  if (len < 0) return { line, col };
  const rel = Math.min(offset - at, len);
  const chunk = text.slice(at, at + rel);
  const nl = chunk.lastIndexOf('\n');
  if (nl < 0) return { line, col: col + rel };
  let lines = 0;
  for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) lines++;
  return { line: line + lines, col: rel - nl };
}
