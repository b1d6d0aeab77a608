import { error } from '../diagnostics/index.js';
import type { DiagnosticBag } from '../diagnostics/index.js';
import { checkConfigTypes, normalizeConfig } from './config-keys.js';
import type { TestSpec } from './types.js';
import { isRecord } from './yaml-located.js';
import type { LocatedYaml, YamlPath } from './yaml-located.js';

/** Keys of a test entry that are test config rather than arguments of the test macro (dbt). */
const TEST_CONFIG_KEYS = new Set([
  'severity', 'where', 'tags', 'warn_if', 'error_if', 'limit', 'store_failures', 'store_failures_as',
  'enabled', 'meta', 'fail_calc', 'alias', 'database', 'schema', 'description',
]);

/**
 * Reads a `tests:` / `data_tests:` list. Entries keep their own location (file:line:col).
 *
 * @example
 * // tests:
 * //   - unique
 * //   - accepted_values: { values: [a, b], config: { severity: warn } }
 * parseTestList(raw, y, ['models', 0, 'columns', 0, 'tests'], bag, 'status')
 * // [{ name: 'unique', args: { column_name: 'status' }, config: {}, loc },
 * //  { name: 'accepted_values', args: { values: ['a', 'b'], column_name: 'status' },
 * //    config: { severity: 'warn' }, loc }]
 */
export function parseTestList(
  raw: unknown,
  yaml: Pick<LocatedYaml, 'locate'>,
  path: YamlPath,
  bag: DiagnosticBag,
  columnName?: string,
): TestSpec[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    bag.add(error('schema-invalid', `'${String(path[path.length - 1])}' must be a list of tests`, yaml.locate(path)));
    return [];
  }
  const out: TestSpec[] = [];
  raw.forEach((entry, i) => {
    const t = parseTestEntry(entry, yaml, [...path, i], bag, columnName);
    if (t) out.push(t);
  });
  return out;
}

/**
 * One test entry in any of dbt's shapes:
 * - `unique` (a bare name, possibly namespaced: `dbt_utils.at_least_one`)
 * - `{accepted_values: {values: [...], quote: false, config: {severity: warn}}}`
 * - `{accepted_values: {arguments: {values: [...]}, config: {...}}}` (dbt ≥ 1.10)
 * - `{name: my_test, test_name: accepted_values, values: [...]}`
 * Top-level `severity`, `where`, `tags`, ... go into `config`; `config:` wins over them.
 */
export function parseTestEntry(
  entry: unknown,
  yaml: Pick<LocatedYaml, 'locate'>,
  path: YamlPath,
  bag: DiagnosticBag,
  columnName?: string,
): TestSpec | undefined {
  const loc = yaml.locate(path);
  const withColumn = (args: Record<string, unknown>): Record<string, unknown> =>
    columnName !== undefined && args.column_name === undefined ? { ...args, column_name: columnName } : args;
  if (typeof entry === 'string' && entry.trim() !== '') {
    return { name: entry.trim(), args: withColumn({}), config: {}, loc };
  }
  if (!isRecord(entry)) {
    bag.add(invalid(loc, 'a test must be a name (`- unique`) or a mapping (`- accepted_values: {values: [...]}`)'));
    return undefined;
  }
  let name: string;
  let body: Record<string, unknown>;
  let bodyPath: YamlPath;
  if (typeof entry.test_name === 'string') {
    name = entry.test_name;
    body = entry;
    bodyPath = path;
  } else {
    const keys = Object.keys(entry);
    const only = keys[0];
    if (keys.length !== 1 || only === undefined) {
      bag.add(
        invalid(loc, `a test mapping must have exactly one key, the test name (found: ${keys.join(', ') || 'none'})`, 'or use `test_name:` to name the test macro'),
      );
      return undefined;
    }
    name = only;
    const value = entry[only];
    if (value !== null && value !== undefined && !isRecord(value)) {
      bag.add(invalid(yaml.locate([...path, only]), `the arguments of test '${only}' must be a mapping`));
      return undefined;
    }
    body = value ?? {};
    bodyPath = [...path, only];
  }
  const args: Record<string, unknown> = {};
  const topConfig: Record<string, unknown> = {};
  const keyPaths = new Map<string, YamlPath>();
  let customName: string | undefined;
  let blockConfig: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === 'test_name') continue;
    if (k === 'name' && typeof v === 'string') customName = v;
    else if (k === 'config') {
      if (!isRecord(v)) bag.add(invalid(yaml.locate([...bodyPath, k]), `'config' of test '${name}' must be a mapping`));
      else {
        blockConfig = normalizeConfig(v);
        for (const ck of Object.keys(v)) keyPaths.set(ck.replace(/^\+/, ''), [...bodyPath, 'config', ck]);
      }
    } else if (k === 'arguments') {
      if (!isRecord(v)) bag.add(invalid(yaml.locate([...bodyPath, k]), `'arguments' of test '${name}' must be a mapping`));
      else Object.assign(args, v);
    } else if (TEST_CONFIG_KEYS.has(k)) {
      topConfig[k] = v;
      if (!keyPaths.has(k)) keyPaths.set(k, [...bodyPath, k]);
    } else args[k] = v;
  }
  const config = { ...topConfig, ...blockConfig };
  checkConfigTypes(config, yaml, (k) => keyPaths.get(k) ?? bodyPath, bag);
  return {
    name,
    args: withColumn(args),
    config,
    ...(customName !== undefined ? { customName } : {}),
    loc,
  };
}

function invalid(at: { file: string; line: number; col: number }, message: string, hint?: string) {
  return error('schema-invalid', message, { ...at, ...(hint ? { hint } : {}) });
}
