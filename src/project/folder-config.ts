import { error } from '../diagnostics/index.js';
import type { DiagnosticBag } from '../diagnostics/index.js';
import { checkConfigTypes, KNOWN_CONFIG_KEYS, normalizeConfigKey } from './config-keys.js';
import type { FolderConfigTree, NodeConfigInput } from './types.js';
import { isRecord } from './yaml-located.js';
import type { LocatedYaml, YamlPath } from './yaml-located.js';
import { toList } from '../shared/records.js';

/** An empty tree (no folder config at all). */
export const EMPTY_FOLDER_TREE: FolderConfigTree = { config: {}, children: {} };

/**
 * Reads a `models:` / `seeds:` / `snapshots:` / `tests:` block of the project file into a tree.
 * A key is config when it starts with `+` or is a known config key (dbt accepts both); any other
 * key whose value is a mapping is a sub-folder (at the top: a project name).
 *
 * @example
 * // models: { my_proj: { +materialized: view, staging: { +tags: [stg] } } }
 * buildFolderTree(raw, y, ['models'], bag)
 * // { config: {}, children: { my_proj: { config: { materialized: 'view' },
 * //   children: { staging: { config: { tags: ['stg'] }, children: {} } } } } }
 */
export function buildFolderTree(
  raw: unknown,
  yaml: Pick<LocatedYaml, 'locate'>,
  path: YamlPath,
  bag: DiagnosticBag,
): FolderConfigTree {
  if (raw === undefined || raw === null) return EMPTY_FOLDER_TREE;
  if (!isRecord(raw)) {
    const at = yaml.locate(path);
    bag.add(error('config-invalid', `'${path.join('.')}' must be a mapping of folders and +config keys`, at));
    return EMPTY_FOLDER_TREE;
  }
  const config: Record<string, unknown> = {};
  const keyPaths = new Map<string, YamlPath>();
  const children: Record<string, FolderConfigTree> = {};
  for (const [key, value] of Object.entries(raw)) {
    const isConfig = key.startsWith('+') || KNOWN_CONFIG_KEYS.has(key) || !isRecord(value);
    if (isConfig) {
      const k = normalizeConfigKey(key);
      config[k] = k === 'tags' && typeof value === 'string' ? [value] : value;
      keyPaths.set(k, [...path, key]);
    } else {
      children[key] = buildFolderTree(value, yaml, [...path, key], bag);
    }
  }
  checkConfigTypes(config, yaml, (k) => keyPaths.get(k) ?? path, bag);
  return { config, children };
}

/** Keys whose values accumulate from project level down to the node, as in dbt. */
const ADDITIVE_KEYS = new Set(['tags', 'pre_hook', 'post_hook']);
/** Dict-valued keys whose levels merge key by key (dbt: meta, grants, docs, persist_docs). */
const MERGED_DICT_KEYS = new Set(['meta', 'grants', 'docs', 'persist_docs']);

/**
 * dbt's folder-config inheritance for one node: top-level config < project level < each folder <
 * a key named like the node itself (dbt matches the node's fqn, which ends with its name). The most
 * specific value wins, except `tags`, `pre_hook` and `post_hook`, which accumulate (ordered,
 * de-duplicated for tags), and `meta`, which merges key by key.
 *
 * @param relPath path of the node inside its resource directory, e.g. 'staging/stg_orders.sql'
 *   for `models/staging/stg_orders.sql` (see `resourceRelativePath`).
 * @example
 * // models: { shop: { +materialized: view, +tags: [a], staging: { +materialized: table, +tags: [b] } } }
 * resolveFolderConfig(config.models, 'shop', 'staging/stg_orders.sql')
 * // { materialized: 'table', tags: ['a', 'b'] }
 */
export function resolveFolderConfig(
  tree: FolderConfigTree,
  projectName: string,
  relPath: string,
): Record<string, unknown> {
  const segments = relPath.split('/').filter((s) => s !== '' && s !== '.');
  const last = segments.pop();
  if (last !== undefined) segments.push(last.replace(/\.[^.]+$/, ''));
  const levels: NodeConfigInput[] = [tree.config];
  let node: FolderConfigTree | undefined = tree.children[projectName];
  for (let i = 0; node && i <= segments.length; i++) {
    levels.push(node.config);
    const seg = segments[i];
    node = seg === undefined ? undefined : node.children[seg];
  }
  return mergeConfigs(levels);
}

/**
 * Merges config layers, least specific first, with the same rules as folder inheritance (tags and
 * hooks accumulate, meta merges, other keys: last wins). The compiler uses it to lay the schema
 * YAML `config:` and the model's `{{ config() }}` over the folder config.
 *
 * @example mergeConfigs([{ tags: ['a'], schema: 'x' }, { tags: 'b', schema: 'y' }])
 * // { tags: ['a', 'b'], schema: 'y' }
 */
export function mergeConfigs(levels: readonly (NodeConfigInput | undefined)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const level of levels) {
    if (!level) continue;
    for (const [raw, v] of Object.entries(level)) {
      const k = normalizeConfigKey(raw);
      if (ADDITIVE_KEYS.has(k)) {
        const prev = toList(out[k]);
        const merged = [...prev, ...toList(v)];
        out[k] = k === 'tags' ? [...new Set(merged)] : merged;
      } else if (MERGED_DICT_KEYS.has(k) && isRecord(v) && isRecord(out[k])) {
        out[k] = { ...out[k], ...v };
      } else {
        out[k] = v;
      }
    }
  }
  return out;
}


/**
 * The path of a file inside whichever resource directory holds it (the longest matching one).
 *
 * @example resourceRelativePath('models/staging/stg_orders.sql', ['models']) // 'staging/stg_orders.sql'
 */
export function resourceRelativePath(filePath: string, resourcePaths: readonly string[]): string {
  let best = '';
  for (const p of resourcePaths) {
    const prefix = p.replace(/\/+$/, '');
    if ((prefix === '' || prefix === '.' || filePath.startsWith(`${prefix}/`)) && prefix.length >= best.length) {
      best = prefix === '.' ? '' : prefix;
    }
  }
  return best ? filePath.slice(best.length + 1) : filePath;
}
