import { didYouMean, error } from '../diagnostics/index.js';
import type { DiagnosticBag } from '../diagnostics/index.js';
import { parseExposures } from './exposures.js';
import { IGNORED_TOP_LEVEL_KEYS } from './ignored-keys.js';
import { parseNodeProperties } from './node-properties.js';
import { parseSource } from './sources.js';
import type { Location, NodeProperties, SchemaFile, SourceTableSpec } from './types.js';
import { isRecord, parseYamlLocated } from './yaml-located.js';

/** Top-level keys read into SchemaFile fields. */
const HANDLED_KEYS = ['version', 'models', 'seeds', 'snapshots', 'sources', 'exposures'] as const;

/**
 * Top-level keys that make a YAML file a schema file. Those not handled here land in
 * `SchemaFile.other` for later stages (semantic layer, features, docs).
 */
export const SCHEMA_FILE_KEYS: readonly string[] = [
  ...HANDLED_KEYS, 'macros', 'analyses', 'exposures', 'metrics', 'semantic_models', 'saved_queries',
  'groups', 'unit_tests', 'data_tests', 'entities', 'feature_views', 'feature_services', 'hierarchies',
  'access', 'time_spines',
];

/**
 * Parses a properties YAML file. Returns undefined when it is not a schema file (none of
 * SCHEMA_FILE_KEYS at the top) unless `always` (semantic paths: every YAML file counts).
 *
 * @example
 * parseSchemaFile('version: 2\nmodels:\n  - name: a\n', 'models/schema.yml', 'ab12…', bag)
 * // { path: 'models/schema.yml', models: [{ name: 'a', loc: { line: 3, col: 5 }, ... }], ... }
 */
export function parseSchemaFile(
  text: string,
  path: string,
  hash: string,
  bag: DiagnosticBag,
  opts: { readonly always?: boolean } = {},
): SchemaFile | undefined {
  const yaml = parseYamlLocated(text, path);
  if (yaml.errors.length) {
    bag.addAll(yaml.errors);
    return undefined;
  }
  if (yaml.value === undefined || yaml.value === null) return undefined;
  if (!isRecord(yaml.value)) {
    if (opts.always) bag.add(error('schema-invalid', `${path} must be a mapping at the top level`, yaml.locate([])));
    return undefined;
  }
  const doc = yaml.value;
  if (!opts.always && !Object.keys(doc).some((k) => SCHEMA_FILE_KEYS.includes(k))) return undefined;

  const list = (key: string): unknown[] => {
    const v = doc[key];
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    bag.add(error('schema-invalid', `'${key}' must be a list of entries (each starting with '- name:')`, yaml.locate([key])));
    return [];
  };
  const nodes = (key: 'models' | 'seeds' | 'snapshots'): NodeProperties[] =>
    list(key).flatMap((entry, i) => parseNodeProperties(entry, yaml, [key, i], bag) ?? []);
  const sources: SourceTableSpec[] = list('sources').flatMap((entry, i) => parseSource(entry, yaml, ['sources', i], bag));

  const other: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    if ((HANDLED_KEYS as readonly string[]).includes(k)) continue;
    other[k] = v;
    if (IGNORED_TOP_LEVEL_KEYS.includes(k)) {
      bag.add({ code: 'config-ignored-key', severity: 'warning', message: `top-level '${k}' in ${path} has no effect in Strata; it is accepted for dbt compatibility and ignored`, ...yaml.locate([k], { key: true }), hint: 'remove the key, or keep it if the project also runs on dbt' });
    }
    if (!opts.always && !SCHEMA_FILE_KEYS.includes(k)) {
      const hint = didYouMean(k, SCHEMA_FILE_KEYS);
      if (hint) {
        bag.add({ code: 'config-unknown-key', severity: 'warning', message: `unknown top-level key '${k}' in ${path}`, ...yaml.locate([k], { key: true }), hint });
      }
    }
  }
  const exposures = parseExposures(doc['exposures'], yaml, bag);
  return { path, hash, models: nodes('models'), seeds: nodes('seeds'), snapshots: nodes('snapshots'), sources, ...(exposures.length ? { exposures } : {}), other };
}

/**
 * 'duplicate-node' for a model/seed/snapshot described twice, or a source table defined twice,
 * across all schema files; reported at the second entry, naming the first.
 */
export function checkDuplicateEntries(files: readonly SchemaFile[], bag: DiagnosticBag): void {
  const seen = new Map<string, Location>();
  const visit = (key: string, what: string, loc: Location): void => {
    const first = seen.get(key);
    if (!first) {
      seen.set(key, loc);
      return;
    }
    bag.add(
      error('duplicate-node', `${what} is described twice: here and at ${first.file}:${first.line}:${first.col}`, {
        file: loc.file,
        line: loc.line,
        col: loc.col,
        hint: 'merge the two entries into one',
      }),
    );
  };
  for (const f of files) {
    for (const m of f.models) visit(`model:${m.name}`, `model '${m.name}'`, m.loc);
    for (const s of f.seeds) visit(`seed:${s.name}`, `seed '${s.name}'`, s.loc);
    for (const s of f.snapshots) visit(`snapshot:${s.name}`, `snapshot '${s.name}'`, s.loc);
    for (const t of f.sources) visit(`source:${t.sourceName}.${t.name}`, `source table '${t.sourceName}.${t.name}'`, t.loc);
    for (const e of f.exposures ?? []) visit(`exposure:${e.name}`, `exposure '${e.name}'`, e.loc);
  }
}
