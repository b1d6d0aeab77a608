import { parseSync } from 'libpg-query';
import { error, type Diagnostic } from '../diagnostics/index.js';
import { builtinMaterialization } from '../planner/materializations.js';
import { initSqlParser } from '../semantic/sql-parser.js';
import { codeHash } from './render-cache.js';
import { EPHEMERAL_PREFIX } from './resolve-relations.js';
import { locate } from './source-map.js';
import type { Manifest, ManifestNode } from './types.js';

/**
 * Compile-time syntax check of every node's final SQL with PostgreSQL's own parser
 * (libpg-query): a syntax error becomes an `sql-syntax` diagnostic at the template's
 * file:line:col (through the node's source map), so nothing is sent to the database.
 *
 * Checked: models with a built-in materialization, snapshots and data tests whose SQL is final
 * at compile time. Not checked: nodes rendered again at execution time (`strata.dynamic`),
 * models built by a user `{% materialization %}` (their SQL is whatever that block makes of it),
 * analyses (never run), unit tests and seeds. The SQL is parsed as dbt sends it, as the body of
 * the `create … as (…)` / test query it wraps; only a parse error is reported (a text that
 * parses, even as something else than a SELECT, is left to the database).
 */
export async function checkCompiledSql(
  manifest: Manifest,
  /** unique id → codeHash of SQL that passed this check in the previous compile (skipped). */
  passed?: Readonly<Record<string, string>>,
): Promise<Diagnostic[]> {
  const todo = Object.values(manifest.nodes).filter(
    (n) => checkable(n) && !(passed && passed[n.unique_id] !== undefined && passed[n.unique_id] === codeHash(n.compiled_code!)),
  );
  if (todo.length === 0) return [];
  await initSqlParser();
  const failed = new Map<string, Diagnostic>();
  for (const n of todo) {
    const d = syntaxDiagnostic(n);
    if (d) failed.set(n.unique_id, d);
  }
  // an error inside an injected ephemeral CTE is reported once, in the ephemeral's own file
  return [...failed.entries()]
    .filter(([, d]) => d.line !== undefined || !manifest.nodes[d.node ?? '']?.depends_on.nodes.some((p) => failed.has(p)))
    .map(([, d]) => d);
}

/** The check for one node (SQL rendered at execution time): its diagnostic, or undefined. */
export async function checkNodeSql(n: ManifestNode): Promise<Diagnostic | undefined> {
  if (!checkable(n, true)) return undefined;
  await initSqlParser();
  return syntaxDiagnostic(n);
}

const CHECKED = new Set(['model', 'snapshot', 'test']);

/** `rendered`: the SQL is an execution-time render (final even for a dynamic node). */
function checkable(n: ManifestNode, rendered = false): boolean {
  if (!CHECKED.has(n.resource_type) || n.compiled_code === null || (n.strata.dynamic && !rendered)) return false;
  if (n.resource_type === 'model' && !builtinMaterialization(String(n.config.materialized))) return false;
  return n.compiled_code.trim() !== '';
}

interface PgParseError {
  readonly message?: string;
  readonly sqlDetails?: { readonly message?: string; readonly cursorPosition?: number };
}

/** The `sql-syntax` diagnostic of a node whose compiled SQL does not parse, else undefined. */
export function syntaxDiagnostic(n: ManifestNode): Diagnostic | undefined {
  const sql = n.compiled_code ?? '';
  try {
    parseSync(sql);
    return undefined;
  } catch (e) {
    const err = e as PgParseError;
    const message = err.sqlDetails?.message ?? err.message ?? String(e);
    const offset = err.sqlDetails?.cursorPosition;
    return sqlErrorDiagnostic(n, 'sql-syntax', message, typeof offset === 'number' ? offset : undefined, syntaxHint);
  }
}

/**
 * A diagnostic for an error PostgreSQL reported at char `offset` (0-based) of the node's
 * compiled SQL, located in the node's file through its source map; without a position (or a
 * map) it still names the file.
 */
export function sqlErrorDiagnostic(
  n: ManifestNode,
  code: 'sql-syntax' | 'database-error',
  message: string,
  offset: number | undefined,
  hintFor?: (message: string, sql: string, offset: number | undefined) => string | undefined,
  /** To locate errors inside an inlined ephemeral model in that model's own file. */
  manifest?: Manifest,
): Diagnostic {
  const sql = n.compiled_code ?? '';
  const map = n.strata.source_map;
  const clamped = offset === undefined ? undefined : Math.min(offset, Math.max(0, sql.length - 1));
  const at = clamped !== undefined && map ? locate(map, sql, clamped) : undefined;
  const inlined = !at && clamped !== undefined && manifest ? inEphemeral(manifest, sql, clamped) : undefined;
  const computed = hintFor?.(message, sql, offset) ?? (offset !== undefined ? compiledLineHint(sql, offset) : undefined);
  const hint = inlined ? [`in ephemeral model '${inlined.node.name}', inlined as a CTE`, computed].filter(Boolean).join('; ') : computed;
  return error(code, message, {
    file: inlined?.node.original_file_path ?? n.original_file_path,
    ...(inlined ? { line: inlined.line, col: inlined.col } : at ? { line: at.line, col: at.col } : {}),
    node: n.unique_id,
    ...(hint ? { hint } : {}),
  });
}

/**
 * The ephemeral model whose injected CTE body (` __dbt__cte__<name> as (\n<sql>\n)`, see
 * resolve-relations.ts) holds `offset` of `sql`, and the position in its file.
 */
function inEphemeral(manifest: Manifest, sql: string, offset: number): { node: ManifestNode; line: number; col: number } | undefined {
  for (const e of Object.values(manifest.nodes)) {
    if (e.config.materialized !== 'ephemeral' || e.compiled_code === null || !e.strata.source_map) continue;
    const marker = `${EPHEMERAL_PREFIX}${e.unique_id.split('.').slice(2).join('.')} as (\n`;
    const at = sql.indexOf(marker);
    if (at < 0) continue;
    const start = at + marker.length;
    if (offset < start || offset >= start + e.compiled_code.length || !sql.startsWith(e.compiled_code, start)) continue;
    const p = locate(e.strata.source_map, e.compiled_code, offset - start);
    if (p) return { node: e, ...p };
  }
  return undefined;
}

/** "compiled SQL line 3: `…`": what the database saw there (for text printed by macros). */
export function compiledLineHint(sql: string, offset: number): string | undefined {
  const start = sql.lastIndexOf('\n', offset - 1) + 1;
  const end = sql.indexOf('\n', offset);
  const text = sql.slice(start, end < 0 ? undefined : end).trim();
  if (!text) return undefined;
  const line = sql.slice(0, start).split('\n').length;
  return `compiled SQL line ${line}: ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
}

function syntaxHint(message: string, sql: string, offset: number | undefined): string | undefined {
  if (offset === undefined) return undefined;
  const before = sql.slice(0, offset).trimEnd();
  const near = /at or near "([^"]*)"/.exec(message)?.[1]?.toLowerCase();
  const compiled = compiledLineHint(sql, offset);
  const also = compiled ? `; ${compiled}` : '';
  if (before.endsWith(',') && near !== undefined && ['from', 'where', 'group', 'order', 'limit', ')', 'union', 'having'].includes(near)) {
    return `remove the trailing comma before ${near.toUpperCase()}${also}`;
  }
  if (/at end of input/.test(message)) return `the query ends too early (unclosed parenthesis or quote, or a dangling keyword?)${also}`;
  if (before.endsWith(';') || /at or near ";"/.test(message)) return `a model is a single query: remove the ';'${also}`;
  return compiled;
}
