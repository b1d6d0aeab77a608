import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { error } from '../diagnostics/index.js';
import type { Diagnostic, DiagnosticCode } from '../diagnostics/index.js';
import type { Location } from './types.js';
import { isRecord } from '../shared/records.js';

/** A path into a parsed YAML value: mapping keys and sequence indexes. */
export type YamlPath = readonly (string | number)[];

/**
 * A YAML file parsed to plain JS, remembering where every value came from.
 * Stages that validate YAML (project, schema files, semantic layer, features) use `locate` to put
 * the user's own `file:line:col` on a diagnostic.
 */
export interface LocatedYaml {
  /** Project-relative path (or any label) used as `file` in diagnostics. */
  readonly file: string;
  /** The document as plain JS (`undefined` for an empty file or when there were syntax errors). */
  readonly value: unknown;
  /** 'yaml-syntax' diagnostics; when non-empty, `value` is undefined. */
  readonly errors: readonly Diagnostic[];
  /**
   * Position of the value at `path` (or of its key, with `{ key: true }`). When the path does not
   * exist (a missing key), the position of the deepest existing ancestor is returned, which is
   * where the user has to add it.
   */
  locate(path: YamlPath, opts?: { readonly key?: boolean }): Location;
}

/**
 * Parses YAML text, keeping a position index so later validation can report `file:line:col`.
 * Duplicate keys and syntax errors become 'yaml-syntax' diagnostics (never thrown).
 *
 * @example
 * const y = parseYamlLocated('models:\n  - name: a\n    config: {materialized: 5}\n', 'models/s.yml');
 * y.value;                                                 // { models: [{ name: 'a', config: {...} }] }
 * y.locate(['models', 0, 'config', 'materialized']);       // { file: 'models/s.yml', line: 3, col: 28 }
 * y.locate(['models', 0, 'config'], { key: true });        // { file: 'models/s.yml', line: 3, col: 5 }
 */
export function parseYamlLocated(text: string, file: string): LocatedYaml {
  const lineCounter = new LineCounter();
  // `merge: true` so profiles using `<<: *defaults` (common in dbt profiles) work.
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false });
  const pos = (offset: number): Location => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  const errors: Diagnostic[] = doc.errors.map((e) => {
    const at = pos(e.pos[0]);
    // yaml's messages end with a source excerpt after a blank line; keep the first sentence.
    const message = e.message.split('\n')[0] ?? e.message;
    return error('yaml-syntax', `invalid YAML: ${message}`, { file, line: at.line, col: at.col });
  });
  let value: unknown;
  if (errors.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      errors.push(error('yaml-syntax', `invalid YAML: ${(e as Error).message}`, { file, line: 1, col: 1 }));
    }
  }
  return {
    file,
    value: errors.length ? undefined : value,
    errors,
    locate: (path, opts) => pos(findOffset(doc, path, opts?.key === true)),
  };
}

/** Walks the YAML AST along `path`; returns the start offset of the deepest node reached. */
function findOffset(doc: Document, path: YamlPath, wantKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    let keyOffset: number | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyEquals(p.key, seg));
      if (pair) {
        next = pair.value;
        keyOffset = rangeStart(pair.key);
      }
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
    }
    const isLast = i === path.length - 1;
    if (isLast && wantKey && keyOffset !== undefined) return keyOffset;
    const nextOffset = rangeStart(next) ?? keyOffset;
    if (nextOffset === undefined) return offset;
    offset = nextOffset;
    node = next;
  }
  return offset;
}

function keyEquals(key: unknown, seg: string | number): boolean {
  const k = isScalar(key) ? key.value : key;
  return k === seg || (k !== null && k !== undefined && String(k) === String(seg));
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const r = (node as YamlNode).range;
    if (r) return r[0];
  }
  return undefined;
}

/**
 * Turns zod issues into located diagnostics. `basePath` is where the validated value sits in the
 * YAML document (zod paths are relative to it).
 *
 * @example
 * const r = schema.safeParse(y.value);
 * if (!r.success) bag.addAll(zodDiagnostics(r.error, y, [], 'project-invalid'));
 */
export function zodDiagnostics(
  err: { readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[] },
  yaml: Pick<LocatedYaml, 'locate'>,
  basePath: YamlPath,
  code: DiagnosticCode,
  describe?: (path: YamlPath) => string,
): Diagnostic[] {
  return err.issues.map((issue) => {
    const rel = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const full = [...basePath, ...rel];
    const at = yaml.locate(full);
    const where = describe ? describe(full) : formatYamlPath(full);
    return error(code, where ? `${where}: ${issue.message}` : issue.message, {
      file: at.file,
      line: at.line,
      col: at.col,
    });
  });
}

/**
 * A readable path for messages.
 *
 * @example formatYamlPath(['models', 0, 'config', 'materialized']) // 'models[0].config.materialized'
 */
export function formatYamlPath(path: YamlPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

/** True for a plain (non-array, non-null) object, as YAML mappings become. */
export { isRecord };

/**
 * A zod error option: `message` when the value is missing, zod's own message (expected type)
 * otherwise, so `host: 5` does not claim that host is missing.
 *
 * @example z.string({ error: required("'host' is required") })
 */
export function required(message: string): (issue: { readonly input?: unknown }) => string | undefined {
  return (issue) => (issue.input === undefined ? message : undefined);
}

/** A validated entry of a YAML list, with where it came from. */
export interface LocatedEntry<T> {
  readonly raw: T;
  readonly y: LocatedYaml;
  readonly path: YamlPath;
}

/** The part of a zod schema `readNamedList` needs. */
export interface SafeParser<T> {
  safeParse(v: unknown):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/**
 * Reads `doc[key]` of a parsed YAML file as a list of named entries (`- name: x ...`), validating
 * each with `schema`. Invalid entries become diagnostics at their own YAML position, named after
 * the entry (`feature view 'x'.ttl: …`); their names are returned so later checks can skip
 * follow-up errors about them.
 *
 * @example readNamedList(y, 'metrics', rawMetric, 'semantic-invalid', 'metric')
 */
export function readNamedList<T>(
  y: LocatedYaml,
  key: string,
  schema: SafeParser<T>,
  code: DiagnosticCode,
  label: string,
): { entries: LocatedEntry<T>[]; rejected: string[]; diagnostics: Diagnostic[] } {
  const out = { entries: [] as LocatedEntry<T>[], rejected: [] as string[], diagnostics: [] as Diagnostic[] };
  const doc = y.value;
  const v = isRecord(doc) ? doc[key] : undefined;
  if (v === undefined || v === null) return out;
  if (!Array.isArray(v)) {
    out.diagnostics.push(error(code, `'${key}' must be a list`, { ...y.locate([key]) }));
    return out;
  }
  v.forEach((item: unknown, i: number) => {
    const r = schema.safeParse(item);
    if (r.success) {
      out.entries.push({ raw: r.data, y, path: [key, i] });
      return;
    }
    const name = isRecord(item) && typeof item['name'] === 'string' ? item['name'] : undefined;
    if (name !== undefined) out.rejected.push(name);
    const head = name !== undefined ? `${label} '${name}'` : `${key}[${i}]`;
    out.diagnostics.push(
      ...zodDiagnostics(r.error, y, [key, i], code, (p) => {
        const rest = p.slice(2).map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
        return `${head}${rest}`;
      }),
    );
  });
  return out;
}
