/**
 * Reads the physical-design keys of a node's config (untyped in the manifest) into a checked,
 * typed shape. Bad values raise PlanError('config-invalid') naming the key.
 */
import type { ManifestNode } from '../compiler/types.js';
import { PlanError } from './plan-error.js';
import { isRecord } from '../shared/records.js';

export type IndexType = 'btree' | 'hash' | 'gin' | 'gist' | 'brin' | 'spgist';

export interface IndexConfig {
  readonly columns: readonly string[];
  readonly unique: boolean;
  readonly type: IndexType | undefined;
}

export interface PartitionConfig {
  readonly field: string;
  readonly dataType: 'date' | 'timestamp';
  readonly granularity: 'day' | 'month' | 'year';
}

export interface HookConfig {
  readonly sql: string;
  /** dbt's `transaction: false` runs the hook outside the node's transaction. */
  readonly transaction: boolean;
}

export type IncrementalStrategy = 'append' | 'merge' | 'delete+insert';
export type OnSchemaChange = 'ignore' | 'fail' | 'append_new_columns' | 'sync_all_columns';

export interface ModelConfig {
  readonly indexes: readonly IndexConfig[];
  readonly partitionBy: PartitionConfig | undefined;
  /** privilege → grantees, e.g. { select: ['reporter'] }. */
  readonly grants: Readonly<Record<string, readonly string[]>>;
  readonly preHooks: readonly HookConfig[];
  readonly postHooks: readonly HookConfig[];
  readonly uniqueKey: readonly string[];
  readonly strategy: IncrementalStrategy;
  readonly onSchemaChange: OnSchemaChange;
  /** `full_refresh: false` pins a model to incremental even under --full-refresh. */
  readonly fullRefresh: boolean | undefined;
  readonly mergeUpdateColumns: readonly string[] | undefined;
  readonly mergeExcludeColumns: readonly string[];
}

const INDEX_TYPES = new Set<string>(['btree', 'hash', 'gin', 'gist', 'brin', 'spgist']);
const PRIVILEGES = new Set(['select', 'insert', 'update', 'delete', 'truncate', 'references', 'trigger', 'all']);

function stringList(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) return v;
  return undefined;
}

function hooks(v: unknown): HookConfig[] {
  const list = v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
  const out: HookConfig[] = [];
  for (const h of list) {
    if (typeof h === 'string') {
      if (h.trim() !== '') out.push({ sql: h, transaction: true });
    } else if (isRecord(h) && typeof h['sql'] === 'string') {
      if (h['sql'].trim() !== '') out.push({ sql: h['sql'], transaction: h['transaction'] !== false });
    }
  }
  return out;
}

/**
 * Typed physical-design config of a node.
 *
 * @example readModelConfig(node).indexes // [{ columns: ['id'], unique: true, type: undefined }]
 */
export function readModelConfig(node: ManifestNode): ModelConfig {
  const c = node.config;
  const bad = (key: string, expected: string): never => {
    throw new PlanError('config-invalid', node.unique_id, `config '${key}' is invalid: expected ${expected}`);
  };

  const indexes: IndexConfig[] = [];
  const rawIndexes = c['indexes'];
  if (rawIndexes !== undefined && rawIndexes !== null) {
    if (!Array.isArray(rawIndexes)) bad('indexes', 'a list of {columns, unique, type}');
    for (const ix of rawIndexes as unknown[]) {
      const columns = isRecord(ix) ? stringList(ix['columns']) : undefined;
      if (!isRecord(ix) || !columns || columns.length === 0) return bad('indexes', 'each index to have columns: [..]');
      const type = ix['type'];
      if (type !== undefined && (typeof type !== 'string' || !INDEX_TYPES.has(type.toLowerCase()))) {
        bad('indexes', `type to be one of ${[...INDEX_TYPES].join(', ')}`);
      }
      indexes.push({ columns, unique: ix['unique'] === true, type: typeof type === 'string' ? (type.toLowerCase() as IndexType) : undefined });
    }
  }

  let partitionBy: PartitionConfig | undefined;
  const p = c['partition_by'];
  if (p !== undefined && p !== null) {
    if (!isRecord(p) || typeof p['field'] !== 'string') return bad('partition_by', '{field, data_type, granularity}');
    const dataType = (p['data_type'] ?? 'date') as unknown;
    const granularity = (p['granularity'] ?? 'month') as unknown;
    if (dataType !== 'date' && dataType !== 'timestamp') bad('partition_by.data_type', "'date' or 'timestamp'");
    if (granularity !== 'day' && granularity !== 'month' && granularity !== 'year') bad('partition_by.granularity', "'day', 'month' or 'year'");
    partitionBy = { field: p['field'], dataType: dataType as 'date' | 'timestamp', granularity: granularity as 'day' | 'month' | 'year' };
  }

  const grants: Record<string, string[]> = {};
  const g = c['grants'];
  if (g !== undefined && g !== null) {
    if (!isRecord(g)) bad('grants', '{privilege: [role, ...]}');
    for (const [priv, roles] of Object.entries(g as Record<string, unknown>)) {
      const list = stringList(roles);
      if (!PRIVILEGES.has(priv.toLowerCase()) || !list) bad('grants', `{privilege: [role, ...]} with a privilege of ${[...PRIVILEGES].join(', ')}`);
      grants[priv.toLowerCase()] = list ?? [];
    }
  }

  const uniqueKey = c['unique_key'] === undefined || c['unique_key'] === null ? [] : stringList(c['unique_key']) ?? bad('unique_key', 'a column name or a list of them');
  const rawStrategy = c['incremental_strategy'] ?? (uniqueKey.length > 0 ? 'delete+insert' : 'append');
  if (rawStrategy !== 'append' && rawStrategy !== 'merge' && rawStrategy !== 'delete+insert') {
    bad('incremental_strategy', "'append', 'merge' or 'delete+insert'");
  }
  const osc = c['on_schema_change'] ?? 'ignore';
  if (osc !== 'ignore' && osc !== 'fail' && osc !== 'append_new_columns' && osc !== 'sync_all_columns') {
    bad('on_schema_change', "'ignore', 'fail', 'append_new_columns' or 'sync_all_columns'");
  }
  const fr = c['full_refresh'];

  return {
    indexes,
    partitionBy,
    grants,
    preHooks: hooks(c['pre_hook']),
    postHooks: hooks(c['post_hook']),
    uniqueKey,
    strategy: rawStrategy as IncrementalStrategy,
    onSchemaChange: osc as OnSchemaChange,
    fullRefresh: typeof fr === 'boolean' ? fr : undefined,
    mergeUpdateColumns: stringList(c['merge_update_columns']),
    mergeExcludeColumns: stringList(c['merge_exclude_columns']) ?? [],
  };
}
