/**
 * dbt keys Strata accepts but does not act on. Each gets a 'config-ignored-key' warning at the
 * user's key, so a project ported from dbt learns what has no effect (a typo is
 * 'config-unknown-key' instead). A key leaves these lists once some stage acts on it.
 */
import type { DiagnosticBag } from '../diagnostics/index.js';
import { isRecord, type LocatedYaml, type YamlPath } from './yaml-located.js';

/** Top-level keys of a properties file. */
export const IGNORED_TOP_LEVEL_KEYS: readonly string[] = ['macros', 'analyses', 'groups'];

/** Keys of a `models:` / `seeds:` / `snapshots:` entry (and of a model version). */
export const IGNORED_NODE_KEYS: readonly string[] = ['access', 'group', 'deprecation_date', 'time_spine'];

/** Keys of a column. */
export const IGNORED_COLUMN_KEYS: readonly string[] = ['quote', 'policy_tags', 'granularity'];

/** Node config keys (in YAML `config:`); `docs.node_color` is checked on its own. */
export const IGNORED_CONFIG_KEYS: readonly string[] = [
  'persist_docs', 'sql_header', 'incremental_predicates', 'batch_size', 'concurrent_batches', 'unlogged',
  'snapshot_meta_column_names', 'dbt_valid_to_current', 'access', 'group',
];

/**
 * Warns 'config-ignored-key' for each key of `raw` in `ignored`, at the key.
 *
 * @example warnIgnoredKeys(raw, IGNORED_NODE_KEYS, "model 'orders'", y, ['models', 0], bag)
 * // warning at `access:`: "'access' in model 'orders' has no effect in Strata"
 */
export function warnIgnoredKeys(
  raw: Readonly<Record<string, unknown>>,
  ignored: readonly string[],
  what: string,
  yaml: Pick<LocatedYaml, 'locate'>,
  path: YamlPath,
  bag: DiagnosticBag,
): void {
  for (const key of Object.keys(raw)) {
    const k = key.startsWith('+') ? key.slice(1) : key;
    if (ignored.includes(k)) add(bag, yaml, [...path, key], `'${k}' in ${what} has no effect in Strata; it is accepted for dbt compatibility and ignored`);
  }
}

/** Config-level check: the ignored config keys plus `docs: {node_color}` (the docs site has no node colours). */
export function warnIgnoredConfigKeys(
  raw: Readonly<Record<string, unknown>> | null | undefined,
  what: string,
  yaml: Pick<LocatedYaml, 'locate'>,
  path: YamlPath,
  bag: DiagnosticBag,
): void {
  if (!raw) return;
  warnIgnoredKeys(raw, IGNORED_CONFIG_KEYS, `the config of ${what}`, yaml, path, bag);
  warnNodeColor(raw, what, yaml, path, bag);
}

/** `docs: {node_color: ...}` at node or config level. */
export function warnNodeColor(
  raw: Readonly<Record<string, unknown>>,
  what: string,
  yaml: Pick<LocatedYaml, 'locate'>,
  path: YamlPath,
  bag: DiagnosticBag,
): void {
  const docs = raw['docs'] ?? raw['+docs'];
  if (isRecord(docs) && docs['node_color'] !== undefined) {
    const key = raw['docs'] !== undefined ? 'docs' : '+docs';
    add(bag, yaml, [...path, key, 'node_color'], `'docs.node_color' in ${what} has no effect in Strata (the docs site does not colour nodes)`);
  }
}

function add(bag: DiagnosticBag, yaml: Pick<LocatedYaml, 'locate'>, path: YamlPath, message: string): void {
  bag.add({ code: 'config-ignored-key', severity: 'warning', message, ...yaml.locate(path, { key: true }), hint: 'remove the key, or keep it if the project also runs on dbt' });
}
