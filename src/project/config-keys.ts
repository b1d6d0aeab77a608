import { z } from 'zod';
import type { DiagnosticBag } from '../diagnostics/index.js';
import { zodDiagnostics } from './yaml-located.js';
import type { LocatedYaml, YamlPath } from './yaml-located.js';

/**
 * Node config keys dbt (and Strata) understand. In folder configs (`models:` in the project file)
 * a key without `+` is config when it is in this set, otherwise a sub-folder, as in dbt.
 */
export const KNOWN_CONFIG_KEYS: ReadonlySet<string> = new Set([
  // general
  'enabled', 'tags', 'pre_hook', 'post_hook', 'pre-hook', 'post-hook', 'database', 'schema', 'alias',
  'persist_docs', 'materialized', 'meta', 'full_refresh', 'docs', 'contract', 'group', 'access',
  'grants', 'quoting', 'sql_header', 'event_time', 'owner', 'description',
  // incremental
  'unique_key', 'incremental_strategy', 'on_schema_change', 'merge_update_columns',
  'merge_exclude_columns', 'incremental_predicates', 'batch_size', 'lookback', 'begin',
  'concurrent_batches',
  // postgres physical design
  'indexes', 'partition_by', 'unlogged', 'bind',
  // seeds
  'column_types', 'quote_columns', 'delimiter',
  // snapshots
  'strategy', 'updated_at', 'check_cols', 'target_schema', 'target_database',
  'invalidate_hard_deletes', 'hard_deletes', 'snapshot_meta_column_names', 'dbt_valid_to_current',
  // tests
  'severity', 'where', 'limit', 'warn_if', 'error_if', 'store_failures', 'store_failures_as',
  'fail_calc',
  // sources
  'freshness', 'loaded_at_field',
  // Strata modeling / features
  // (only distinctive names: a bare key like `dimensions` must stay a sub-folder name)
  'scd_type', 'natural_key', 'surrogate_key', 'tracked_columns',
  'entity_keys', 'feature_timestamp',
]);

/** dbt accepts `pre-hook` and `pre_hook`; later stages only see the underscore form. */
export function normalizeConfigKey(key: string): string {
  const k = key.startsWith('+') ? key.slice(1) : key;
  if (k === 'pre-hook') return 'pre_hook';
  if (k === 'post-hook') return 'post_hook';
  return k;
}

/** Normalises keys of a config mapping (`+` stripped, hook names unified). */
export function normalizeConfig(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) out[normalizeConfigKey(k)] = v;
  return out;
}

const stringOrList = z.union([z.string(), z.array(z.string())]);
const hook = z.union([z.string(), z.object({ sql: z.string(), transaction: z.boolean().optional() })]);
const hooks = z.union([hook, z.array(hook)]);
const record = z.record(z.string(), z.unknown());

/**
 * Types of the config keys we can check early. Everything else passes through untyped (adapters
 * and custom materializations define their own keys).
 */
const configValueSchema = z.looseObject({
  enabled: z.boolean().optional(),
  tags: stringOrList.optional(),
  pre_hook: hooks.optional(),
  post_hook: hooks.optional(),
  database: z.string().nullable().optional(),
  schema: z.string().nullable().optional(),
  alias: z.string().nullable().optional(),
  materialized: z.string().optional(),
  meta: record.optional(),
  full_refresh: z.boolean().nullable().optional(),
  docs: record.optional(),
  persist_docs: record.optional(),
  grants: record.optional(),
  unique_key: stringOrList.nullable().optional(),
  incremental_strategy: z.string().optional(),
  on_schema_change: z.enum(['ignore', 'fail', 'append_new_columns', 'sync_all_columns']).optional(),
  indexes: z.array(record).optional(),
  column_types: record.optional(),
  quote_columns: z.boolean().optional(),
  delimiter: z.string().optional(),
  strategy: z.string().optional(),
  updated_at: z.string().optional(),
  check_cols: stringOrList.optional(),
  severity: z.string().regex(/^(warn|error)$/i, "expected 'warn' or 'error'").optional(),
  where: z.string().nullable().optional(),
  limit: z.number().int().nullable().optional(),
  warn_if: z.string().optional(),
  error_if: z.string().optional(),
  store_failures: z.boolean().nullable().optional(),
  scd_type: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
});

/**
 * Checks the types of known config keys (normalised keys) and reports 'config-invalid' at the
 * offending value. `keyPath` maps a normalised key back to its YAML path (keys may have had `+`).
 *
 * @example
 * checkConfigTypes({ materialized: 5 }, y, (k) => ['models', 0, 'config', k], bag)
 * // bag: config-invalid at the line of `materialized: 5`
 */
export function checkConfigTypes(
  config: Readonly<Record<string, unknown>>,
  yaml: Pick<LocatedYaml, 'locate'>,
  keyPath: (key: string) => YamlPath,
  bag: DiagnosticBag,
): boolean {
  // a template ("{{ target.type != 'bigquery' }}") is rendered by the compiler, then it is a value
  const plain = Object.fromEntries(Object.entries(config).filter(([, v]) => !(typeof v === 'string' && (v.includes('{{') || v.includes('{%')))));
  const r = configValueSchema.safeParse(plain);
  if (r.success) return true;
  for (const issue of r.error.issues) {
    const [key, ...rest] = issue.path;
    const base = typeof key === 'string' ? keyPath(key) : [];
    bag.addAll(
      zodDiagnostics({ issues: [{ path: rest, message: issue.message }] }, yaml, base, 'config-invalid', () => `config '${String(key)}'`),
    );
  }
  return false;
}
