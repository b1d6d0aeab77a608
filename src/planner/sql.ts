/**
 * SQL fragment helpers for the planner: quoting, relation names, temporary-name derivation.
 * Pure functions; every identifier the planner emits goes through `ident`.
 */
import { createHash } from 'node:crypto';
import type { RelationKind, RelationRef } from '../adapters/warehouse-adapter.js';

/** PostgreSQL truncates identifiers longer than this many bytes. */
const MAX_IDENT_BYTES = 63;

/**
 * Double-quotes an identifier.
 *
 * @example ident('my "col"') // "my ""col"""
 */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Single-quotes a string literal (standard_conforming_strings on, the default since 9.1).
 *
 * @example literal("it's") // 'it''s'
 */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * `"schema"."name"`.
 *
 * @example qualified({ schema: 'analytics', name: 'orders' }) // "analytics"."orders"
 */
export function qualified(ref: RelationRef): string {
  return `${ident(ref.schema)}.${ident(ref.name)}`;
}

function shortHash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 8);
}

/**
 * The 8-hex-digit tag of a run, used in temporary names. Hashing (rather than truncating) keeps
 * run ids that share a prefix (timestamps) distinct.
 *
 * @example runTag('2024-05-01T10:00:00Z-1234') // 'a1b2c3d4'
 */
export function runTag(runId: string): string {
  return shortHash(runId);
}

/**
 * `base + suffix`, shortened so it fits in 63 bytes: the base is cut and a hash of it appended,
 * so two long names never collide after Postgres would have truncated them.
 */
export function boundedName(base: string, suffix: string): string {
  const full = base + suffix;
  if (Buffer.byteLength(full) <= MAX_IDENT_BYTES) return full;
  let cut = base;
  const keep = MAX_IDENT_BYTES - Buffer.byteLength(suffix) - 9;
  while (Buffer.byteLength(cut) > keep) cut = cut.slice(0, -1);
  return `${cut}_${shortHash(base)}${suffix}`;
}

/** Marker in every relation name the planner creates and `cleanupTemporaries` may drop. */
export const TEMP_MARKER = '__strata_tmp_';
export const BACKUP_MARKER = '__strata_backup_';

/**
 * The build-side name of a relation for this run.
 *
 * @example tempRef({ schema: 's', name: 'orders' }, 'run-1') // { schema: 's', name: 'orders__strata_tmp_5d9b1a42' }
 */
export function tempRef(target: RelationRef, runId: string, suffix = ''): RelationRef {
  return { schema: target.schema, name: boundedName(target.name, `${TEMP_MARKER}${runTag(runId)}${suffix}`) };
}

/** Where the previous relation is parked during a swap (dropped in the same transaction). */
export function backupRef(target: RelationRef, runId: string): RelationRef {
  return { schema: target.schema, name: boundedName(target.name, `${BACKUP_MARKER}${runTag(runId)}`) };
}

/**
 * The keyword for ALTER/DROP of a relation kind.
 *
 * @example kindKeyword('materialized_view') // 'materialized view'
 */
export function kindKeyword(kind: RelationKind): string {
  switch (kind) {
    case 'view':
      return 'view';
    case 'materialized_view':
      return 'materialized view';
    case 'foreign_table':
      return 'foreign table';
    case 'table':
    case 'partitioned_table':
      return 'table';
  }
}

/**
 * The model's SQL as a subquery body: trailing semicolons and whitespace removed (a user's
 * `select ...;` must not end the statement early).
 */
export function modelSql(compiled: string): string {
  return compiled.replace(/[\s;]+$/u, '');
}

/** `"a", "b"`. */
export function identList(names: readonly string[]): string {
  return names.map(ident).join(', ');
}
