/**
 * Entity input of a training set: a CSV file, a table or a SQL statement with the
 * join keys and an event timestamp, staged into a session temporary table numbered in input
 * order (the output keeps that order).
 */
import { createReadStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Session } from '../adapters/warehouse-adapter.js';
import { CompileError, error } from '../diagnostics/index.js';
import { ident } from '../planner/sql.js';
import { profileCsv } from '../seeds/infer-types.js';
import { columnTypes } from './session-sql.js';

export type EntitySource =
  | { readonly kind: 'csv'; readonly path: string }
  | { readonly kind: 'table'; readonly relation: string }
  | { readonly kind: 'sql'; readonly sql: string };

export interface StagedEntities {
  /** `pg_temp."__strata_entities"`. */
  readonly relation: string;
  readonly rowId: string;
  /** Input columns in input order. */
  readonly columns: readonly string[];
  readonly types: Readonly<Record<string, string>>;
  readonly rows: number;
}

export const ENTITY_TABLE = '__strata_entities';
export const ROW_ID = '__strata_row';

/**
 * `--entities` text → a source: an existing `.csv` path, a `select`/`with` statement, else a
 * table name (`schema.table` or `table`).
 *
 * @example parseEntitySource('entities.csv', '/p') // { kind: 'csv', path: '/p/entities.csv' }
 * @example parseEntitySource('analytics.labels', '/p') // { kind: 'table', relation: '"analytics"."labels"' }
 */
export function parseEntitySource(text: string, cwd: string): EntitySource {
  const t = text.trim();
  if (/^(select|with)\b/i.test(t)) return { kind: 'sql', sql: t.replace(/;\s*$/, '') };
  if (/\.csv$/i.test(t) || existsSync(resolve(cwd, t))) return { kind: 'csv', path: resolve(cwd, t) };
  if (/^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?$/.test(t)) return { kind: 'table', relation: t.split('.').map(ident).join('.') };
  throw new CompileError([error('entities-invalid', `--entities '${text}' is not a CSV file, a table name or a select statement`)]);
}

const SQL_TYPES: Readonly<Record<string, string>> = {
  boolean: 'boolean', integer: 'integer', bigint: 'bigint', numeric: 'numeric', date: 'date',
  timestamp: 'timestamp', timestamptz: 'timestamptz', text: 'text',
};

/**
 * Stages the entity rows in `pg_temp."__strata_entities"` (dropped at the end of the session)
 * and checks the join keys and timestamp column exist, the latter being a timestamp or date.
 *
 * @example await stageEntities(s, { kind: 'table', relation: '"analytics"."labels"' }, { timestampColumn: 'event_timestamp', keys: ['customer_id'] })
 * // create temporary table "__strata_entities" as
 * //   select row_number() over () as "__strata_row", q.* from "analytics"."labels" as q
 */
export async function stageEntities(
  s: Session,
  src: EntitySource,
  opts: { readonly timestampColumn: string; readonly keys: readonly string[] },
): Promise<StagedEntities> {
  const relation = `pg_temp.${ident(ENTITY_TABLE)}`;
  await s.query(`drop table if exists ${relation}`);
  let rows: number;
  if (src.kind === 'csv') {
    if (!existsSync(src.path)) throw new CompileError([error('entities-invalid', `entity file '${src.path}' does not exist`)]);
    const { profile, diagnostics } = await profileCsv(src.path, src.path);
    if (!profile) throw new CompileError(diagnostics.map((d) => ({ ...d, code: 'entities-invalid' as const })));
    if (profile.columns.some((c) => c.name === ROW_ID)) throw new CompileError([error('entities-invalid', `column '${ROW_ID}' is reserved`)]);
    const defs = profile.columns.map((c) => `${ident(c.name)} ${c.name === opts.timestampColumn && c.type === 'text' ? 'timestamptz' : SQL_TYPES[c.type] ?? 'text'}`);
    await s.query(`create temporary table ${ident(ENTITY_TABLE)} (${ident(ROW_ID)} bigserial, ${defs.join(', ')})`);
    const cols = profile.columns.map((c) => ident(c.name)).join(', ');
    rows = await s.copyFrom(`copy ${relation} (${cols}) from stdin with (format csv, header true)`, createReadStream(src.path));
  } else {
    const from = src.kind === 'table' ? src.relation : `(\n${src.sql}\n)`;
    const r = await s.query(`create temporary table ${ident(ENTITY_TABLE)} as select row_number() over () as ${ident(ROW_ID)}, q.* from ${from} as q`);
    rows = r.rowCount;
  }
  await s.query(`analyze ${relation}`);
  const types = await columnTypes(s, relation);
  const columns = Object.keys(types).filter((c) => c !== ROW_ID);
  const missing = [...opts.keys, opts.timestampColumn].filter((k) => !columns.includes(k));
  if (missing.length) {
    throw new CompileError([
      error('entities-invalid', `the entity input has no column ${missing.map((m) => `'${m}'`).join(', ')}`, {
        hint: `it needs the join keys and a timestamp column; it has ${columns.join(', ')}${missing.includes(opts.timestampColumn) ? ' (name the timestamp with --timestamp-column)' : ''}`,
      }),
    ]);
  }
  const tsType = types[opts.timestampColumn]!;
  if (!/^(timestamp|date)\b/.test(tsType)) {
    throw new CompileError([
      error('entities-invalid', `the entity timestamp column '${opts.timestampColumn}' is ${tsType}, not a timestamp or date`, {
        hint: `name a timestamp or date column with --timestamp-column (HTTP: timestamp_column); the input has ${columns.map((c) => `${c} ${types[c]}`).join(', ')}`,
      }),
    ]);
  }
  delete (types as Record<string, string>)[ROW_ID];
  return { relation, rowId: ROW_ID, columns, types, rows };
}
