import { z } from 'zod';
import { didYouMean, error } from '../diagnostics/index.js';
import type { DiagnosticBag } from '../diagnostics/index.js';
import { checkConfigTypes, normalizeConfig, normalizeConfigKey } from './config-keys.js';
import { parseTestList } from './test-spec.js';
import type { ColumnSpec, NodeProperties } from './types.js';
import { isRecord, required, zodDiagnostics } from './yaml-located.js';
import type { LocatedYaml, YamlPath } from './yaml-located.js';

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
  warnUnknownKeys(raw, [...NODE_KEYS, ...NODE_EXTRA_KEYS], `${String(path[0])} entry '${n.name}'`, yaml, path, bag);
  const config = readConfig(n.config, yaml, [...path, 'config'], bag);
  if (n.tags) config.tags = [...toList(config.tags), ...toList(n.tags)];
  const extra: Record<string, unknown> = {};
  for (const k of NODE_EXTRA_KEYS) if (raw[k] !== undefined) extra[k] = raw[k];
  const columns: ColumnSpec[] = [];
  (n.columns ?? []).forEach((c, i) => {
    const col = parseColumn(c, yaml, [...path, 'columns', i], bag);
    if (col) columns.push(col);
  });
  return {
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

function toList(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}
