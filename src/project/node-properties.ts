import { z } from 'zod';
import { didYouMean, error } from '../diagnostics/index.js';
import type { DiagnosticBag } from '../diagnostics/index.js';
import { checkConfigTypes, normalizeConfig, normalizeConfigKey } from './config-keys.js';
import { parseTestList } from './test-spec.js';
import { IGNORED_COLUMN_KEYS, IGNORED_NODE_KEYS, warnIgnoredConfigKeys, warnIgnoredKeys, warnNodeColor } from './ignored-keys.js';
import type { ColumnSpec, ModelVersionSpec, NodeProperties } from './types.js';
import { isRecord, required, zodDiagnostics } from './yaml-located.js';
import type { LocatedYaml, YamlPath } from './yaml-located.js';
import { toList } from '../shared/records.js';

const record = z.record(z.string(), z.unknown());
const stringOrList = z.union([z.string(), z.array(z.string())]);
const text = z.string().nullable().optional();

const columnSchema = z.looseObject({
  name: z.union([z.string(), z.number()], { error: required('a column needs a name') }),
  description: text,
  data_type: text,
  meta: record.nullable().optional(),
  tags: stringOrList.nullable().optional(),
  constraints: z.array(z.unknown()).nullable().optional(),
  config: record.nullable().optional(),
});

const nodeSchema = z.looseObject({
  name: z.string({ error: required('an entry needs a name') }),
  description: text,
  config: record.nullable().optional(),
  columns: z.array(z.unknown()).nullable().optional(),
  meta: record.nullable().optional(),
  docs: record.nullable().optional(),
  tags: stringOrList.nullable().optional(),
});

const COLUMN_KEYS = ['name', 'description', 'data_type', 'meta', 'tags', 'constraints', 'tests', 'data_tests', 'quote', 'policy_tags', 'granularity', 'config', 'docs'];
/** Keys handled into NodeProperties fields. */
const NODE_KEYS = ['name', 'description', 'config', 'columns', 'tests', 'data_tests', 'meta', 'docs', 'tags'];
/** Other dbt keys accepted and kept raw in `extra` (contracts, versions, access, ...). */
const NODE_EXTRA_KEYS = ['relation', 'constraints', 'latest_version', 'versions', 'access', 'group', 'deprecation_date', 'time_spine', 'unit_tests'];

/**
 * Reads one entry of `models:` / `seeds:` / `snapshots:` in a schema YAML file. Problems go to
 * `bag` ('schema-invalid', 'config-invalid'; unknown keys: warning 'config-unknown-key').
 *
 * @example
 * // models:
 * //   - name: stg_orders
 * //     config: { materialized: table }
 * //     columns: [{ name: id, tests: [unique, not_null] }]
 * parseNodeProperties(raw.models[0], y, ['models', 0], bag)
 * // { name: 'stg_orders', config: { materialized: 'table' }, columns: [{ name: 'id', tests: [...] }], ... }
 */
export function parseNodeProperties(
  raw: unknown,
  yaml: Pick<LocatedYaml, 'locate'>,
  path: YamlPath,
  bag: DiagnosticBag,
): NodeProperties | undefined {
  const loc = yaml.locate(path);
  const r = nodeSchema.safeParse(raw);
  if (!r.success || !isRecord(raw)) {
    if (r.success) bag.add(error('schema-invalid', 'an entry must be a mapping with a name', loc));
    else bag.addAll(zodDiagnostics(r.error, yaml, path, 'schema-invalid'));
    return undefined;
  }
  const n = r.data;
  const what = `${String(path[0]).replace(/s$/, '')} '${n.name}'`;
  warnUnknownKeys(raw, [...NODE_KEYS, ...NODE_EXTRA_KEYS], `${String(path[0])} entry '${n.name}'`, yaml, path, bag);
  warnIgnoredKeys(raw, IGNORED_NODE_KEYS, what, yaml, path, bag);
  warnNodeColor(raw, what, yaml, path, bag);
  warnIgnoredConfigKeys(n.config, what, yaml, [...path, 'config'], bag);
  const config = readConfig(n.config, yaml, [...path, 'config'], bag);
  if (n.tags) config.tags = [...toList(config.tags), ...toList(n.tags)];
  const extra: Record<string, unknown> = {};
  for (const k of NODE_EXTRA_KEYS) if (raw[k] !== undefined) extra[k] = raw[k];
  const columns: ColumnSpec[] = [];
  (n.columns ?? []).forEach((c, i) => {
    const col = parseColumn(c, yaml, [...path, 'columns', i], bag);
    if (col) columns.push(col);
  });
  const base: NodeProperties = {
    name: n.name,
    description: n.description ?? '',
    config,
    columns,
    tests: [...parseTestList(raw.tests, yaml, [...path, 'tests'], bag), ...parseTestList(raw.data_tests, yaml, [...path, 'data_tests'], bag)],
    // dbt ≥ 1.10 moved meta into config; read both.
    meta: { ...(isRecord(config.meta) ? config.meta : {}), ...(n.meta ?? {}) },
    ...(n.docs ? { docs: n.docs } : {}),
    ...(Object.keys(extra).length ? { extra } : {}),
    loc,
  };
  if (raw['versions'] === undefined || raw['versions'] === null) {
    if (raw['latest_version'] !== undefined) {
      bag.add(error('schema-invalid', `${what} has latest_version but no versions`, { ...yaml.locate([...path, 'latest_version'], { key: true }), hint: 'add a versions: list, or remove latest_version' }));
    }
    return base;
  }
  return parseVersions(base, raw, yaml, path, bag);
}

const versionSchema = z.looseObject({
  v: z.union([z.string(), z.number()], { error: required('a model version needs a version identifier `v`') }),
  defined_in: z.string().nullable().optional(),
  description: text,
  config: record.nullable().optional(),
  columns: z.array(z.unknown()).nullable().optional(),
  meta: record.nullable().optional(),
  docs: record.nullable().optional(),
  tags: stringOrList.nullable().optional(),
});
const VERSION_KEYS = ['v', 'defined_in', 'description', 'config', 'columns', 'tests', 'data_tests', 'meta', 'docs', 'tags', 'constraints', 'access', 'deprecation_date', 'group'];

/**
 * dbt model versions: each `versions:` entry becomes the model's properties with the version's
 * laid over them. Columns: the model's columns filtered by the version's `include` (default all)
 * and `exclude`, then the version's own columns (replacing same-named ones).
 */
function parseVersions(
  base: NodeProperties,
  raw: Record<string, unknown>,
  yaml: Pick<LocatedYaml, 'locate'>,
  path: YamlPath,
  bag: DiagnosticBag,
): NodeProperties {
  const what = `model '${base.name}'`;
  const list = raw['versions'];
  if (!Array.isArray(list) || list.length === 0) {
    bag.add(error('schema-invalid', `versions of ${what} must be a non-empty list of entries (each starting with '- v:')`, yaml.locate([...path, 'versions'])));
    return base;
  }
  const versions: ModelVersionSpec[] = [];
  list.forEach((entry, i) => {
    const vpath = [...path, 'versions', i];
    const r = versionSchema.safeParse(entry);
    if (!r.success || !isRecord(entry)) {
      if (r.success) bag.add(error('schema-invalid', `a version of ${what} must be a mapping with v:`, yaml.locate(vpath)));
      else bag.addAll(zodDiagnostics(r.error, yaml, vpath, 'schema-invalid'));
      return;
    }
    const e = r.data;
    const vwhat = `version ${e.v} of ${what}`;
    if (versions.some((x) => String(x.v) === String(e.v))) {
      bag.add(error('schema-invalid', `${what} lists version ${e.v} twice`, { ...yaml.locate([...vpath, 'v']), hint: 'each v must be unique' }));
      return;
    }
    warnUnknownKeys(entry, VERSION_KEYS, vwhat, yaml, vpath, bag);
    warnIgnoredKeys(entry, IGNORED_NODE_KEYS, vwhat, yaml, vpath, bag);
    warnIgnoredConfigKeys(e.config, vwhat, yaml, [...vpath, 'config'], bag);
    const own = readConfig(e.config, yaml, [...vpath, 'config'], bag);
    if (e.tags) own.tags = [...toList(own.tags), ...toList(e.tags)];
    const config = { ...base.config, ...own, ...(own.tags || base.config.tags ? { tags: [...new Set([...toList(base.config.tags), ...toList(own.tags)])] } : {}) };
    const tests = [...parseTestList(entry['tests'], yaml, [...vpath, 'tests'], bag), ...parseTestList(entry['data_tests'], yaml, [...vpath, 'data_tests'], bag)];
    const extra: Record<string, unknown> = { ...(base.extra ?? {}) };
    delete extra['versions'];
    delete extra['latest_version'];
    for (const k of ['constraints', 'access', 'deprecation_date', 'group']) if (entry[k] !== undefined) extra[k] = entry[k];
    versions.push({
      v: e.v,
      ...(e.defined_in ? { definedIn: e.defined_in.replace(/\.(sql|py)$/, '') } : {}),
      props: {
        ...base,
        description: e.description ?? base.description,
        config,
        columns: versionColumns(base.columns, e.columns, yaml, vpath, bag, vwhat),
        tests: tests.length ? tests : base.tests,
        meta: { ...base.meta, ...(isRecord(own.meta) ? own.meta : {}), ...(e.meta ?? {}) },
        ...(e.docs ? { docs: e.docs } : {}),
        ...(Object.keys(extra).length ? { extra } : {}),
        loc: yaml.locate(vpath),
      },
      loc: yaml.locate(vpath),
    });
  });
  let latest: string | number | undefined;
  const given = raw['latest_version'];
  if (given !== undefined && given !== null) {
    latest = versions.find((x) => String(x.v) === String(given))?.v;
    if (latest === undefined && versions.length) {
      bag.add(error('schema-invalid', `latest_version ${String(given)} of ${what} is not one of its versions (${versions.map((x) => x.v).join(', ')})`, { ...yaml.locate([...path, 'latest_version']), hint: 'set latest_version to one of the listed v values' }));
    }
  } else if (versions.length) {
    const numeric = versions.every((x) => typeof x.v === 'number' || /^-?\d+(\.\d+)?$/.test(String(x.v)));
    latest = [...versions].sort((a, b) => (numeric ? Number(a.v) - Number(b.v) : String(a.v) < String(b.v) ? -1 : 1)).pop()!.v;
  }
  return { ...base, versions, ...(latest !== undefined ? { latestVersion: latest } : {}) };
}

/** A version's columns after `include`/`exclude` of the model's columns, plus its own. */
function versionColumns(
  modelColumns: readonly ColumnSpec[],
  raw: readonly unknown[] | null | undefined,
  yaml: Pick<LocatedYaml, 'locate'>,
  path: YamlPath,
  bag: DiagnosticBag,
  what: string,
): ColumnSpec[] {
  if (!raw) return [...modelColumns];
  let include = 'all' as 'all' | string[];
  let exclude: string[] = [];
  const own: ColumnSpec[] = [];
  const known = modelColumns.map((c) => c.name);
  const checkNames = (names: unknown, key: string, at: YamlPath): string[] => {
    if (!Array.isArray(names)) {
      bag.add(error('schema-invalid', `${key} of ${what}'s columns must be 'all', '*' or a list of column names`, yaml.locate(at)));
      return [];
    }
    return names.map(String).filter((c, j) => {
      if (known.includes(c)) return true;
      bag.add(error('schema-invalid', `${key} of ${what} names column '${c}', which the model does not declare`, { ...yaml.locate([...at, j]), hint: didYouMean(c, known) ?? `declared columns: ${known.join(', ') || '(none)'}` }));
      return false;
    });
  };
  raw.forEach((c, i) => {
    const cpath = [...path, 'columns', i];
    if (isRecord(c) && (c['include'] !== undefined || c['exclude'] !== undefined) && c['name'] === undefined) {
      const inc = c['include'];
      if (inc !== undefined && inc !== 'all' && inc !== '*') include = checkNames(inc, 'include', [...cpath, 'include']);
      if (c['exclude'] !== undefined) {
        if (include !== 'all') bag.add(error('schema-invalid', `exclude of ${what} only applies with include: all`, yaml.locate([...cpath, 'exclude'])));
        else exclude = checkNames(c['exclude'], 'exclude', [...cpath, 'exclude']);
      }
      return;
    }
    const col = parseColumn(c, yaml, cpath, bag);
    if (col) own.push(col);
  });
  const inc = include;
  const kept = modelColumns.filter((c) => (inc === 'all' ? !exclude.includes(c.name) : inc.includes(c.name)) && !own.some((o) => o.name === c.name));
  return [...kept, ...own];
}

/**
 * Reads one column (`name`, `description`, `data_type`, `meta`, `tags`, `constraints`, `tests`).
 * Column tests get `column_name` in their args.
 */
export function parseColumn(
  raw: unknown,
  yaml: Pick<LocatedYaml, 'locate'>,
  path: YamlPath,
  bag: DiagnosticBag,
): ColumnSpec | undefined {
  const r = columnSchema.safeParse(raw);
  if (!r.success || !isRecord(raw)) {
    if (r.success) bag.add(error('schema-invalid', 'a column must be a mapping with a name', yaml.locate(path)));
    else bag.addAll(zodDiagnostics(r.error, yaml, path, 'schema-invalid'));
    return undefined;
  }
  const c = r.data;
  const name = String(c.name);
  warnUnknownKeys(raw, COLUMN_KEYS, `column '${name}'`, yaml, path, bag);
  warnIgnoredKeys(raw, IGNORED_COLUMN_KEYS, `column '${name}'`, yaml, path, bag);
  const cfg = c.config ?? {};
  return {
    name,
    description: c.description ?? '',
    ...(c.data_type ? { dataType: c.data_type } : {}),
    meta: { ...(isRecord(cfg.meta) ? cfg.meta : {}), ...(c.meta ?? {}) },
    tags: [...new Set([...toList(cfg.tags), ...toList(c.tags)].map(String))],
    constraints: c.constraints ?? [],
    tests: [
      ...parseTestList(raw.tests, yaml, [...path, 'tests'], bag, name),
      ...parseTestList(raw.data_tests, yaml, [...path, 'data_tests'], bag, name),
    ],
    loc: yaml.locate(path),
  };
}

/** Normalises a `config:` mapping and checks the types of known keys. */
export function readConfig(
  raw: Record<string, unknown> | null | undefined,
  yaml: Pick<LocatedYaml, 'locate'>,
  path: YamlPath,
  bag: DiagnosticBag,
): Record<string, unknown> {
  if (!raw) return {};
  const config = normalizeConfig(raw);
  const original = new Map(Object.keys(raw).map((k) => [normalizeConfigKey(k), k]));
  checkConfigTypes(config, yaml, (k) => [...path, original.get(k) ?? k], bag);
  return config;
}

/** Warning 'config-unknown-key' (with did-you-mean) for each key not in `known`. */
export function warnUnknownKeys(
  raw: Record<string, unknown>,
  known: readonly string[],
  what: string,
  yaml: Pick<LocatedYaml, 'locate'>,
  path: YamlPath,
  bag: DiagnosticBag,
): void {
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) continue;
    const hint = didYouMean(key, known);
    bag.add({
      code: 'config-unknown-key',
      severity: 'warning',
      message: `unknown key '${key}' in ${what}; it is ignored`,
      ...yaml.locate([...path, key], { key: true }),
      ...(hint ? { hint } : {}),
    });
  }
}

