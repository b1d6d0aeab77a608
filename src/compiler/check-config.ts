import { DiagnosticBag, didYouMean, type Diagnostic } from '../diagnostics/index.js';
import { checkConfigTypes } from '../project/config-keys.js';
import { KNOWN_CONFIG_KEYS } from '../project/index.js';
import { MODELING_CONFIG_KEYS } from '../modeling/config.js';
import type { Draft } from './drafts.js';
import { builtinMaterialization, builtinMaterializationNames } from '../planner/materializations.js';

/**
 * Keys valid in config() but kept out of KNOWN_CONFIG_KEYS, because there a bare key means
 * "config, not a sub-folder" and folders named like these are common.
 */
const MODELING_KEYS: ReadonlySet<string> = new Set([...MODELING_CONFIG_KEYS, 'audit']);

/**
 * Checks the values a template passed to `config(...)` the way schema YAML configs are checked:
 * wrong types are 'config-invalid' errors, unknown keys 'config-unknown-key' warnings, both at
 * the `config(` call in the user's file (the body line plus the draft's line offset).
 *
 * @example
 * checkInFileConfig(draft, { materialized: 5 })
 * // [{code: 'config-invalid', file: 'models/m.sql', line: 2, col: 3, message: "config 'materialized': ..."}]
 */
export function checkInFileConfig(d: Draft, config: Readonly<Record<string, unknown>>): Diagnostic[] {
  const keys = Object.keys(config);
  if (keys.length === 0) return [];
  const at = configCallPosition(d);
  const bag = new DiagnosticBag();
  checkConfigTypes(config, { locate: () => at }, (k) => [k], bag);
  for (const key of keys) {
    if (KNOWN_CONFIG_KEYS.has(key) || MODELING_KEYS.has(key)) continue;
    const hint = didYouMean(key, KNOWN_CONFIG_KEYS);
    bag.add({
      code: 'config-unknown-key',
      severity: 'warning',
      message: `unknown config key '${key}' in config() of ${d.resourceType} '${d.name}'`,
      ...at,
      node: d.id,
      ...(hint ? { hint } : {}),
    });
  }
  return bag.all.map((x) => ({ ...x, node: d.id }));
}

function configCallPosition(d: Draft): { file: string; line: number; col: number } {
  const m = /\bconfig\s*\(/.exec(d.body);
  if (!m) return { file: d.file, line: d.loc.line, col: d.loc.col };
  const before = d.body.slice(0, m.index);
  const line = before.split('\n').length + d.lineOffset;
  return { file: d.file, line, col: m.index - before.lastIndexOf('\n') };
}

/** User materializations defined in the macro library (`materialization_<name>_<adapter>`). */
export function userMaterializationNames(macroNames: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const n of macroNames) {
    const m = /^materialization_(.+)_(default|postgres)$/.exec(n);
    if (m?.[1]) out.add(m[1]);
  }
  return out;
}

/**
 * A node's materialization must be a built-in or a `{% materialization %}` block of the project
 * or a package: otherwise a 'materialization-unknown' error (with did-you-mean) at the
 * `config(` call, or at the file when the name came from YAML or the project file.
 */
export function checkMaterialization(
  d: Draft,
  finalConfig: Readonly<Record<string, unknown>>,
  inFile: Readonly<Record<string, unknown>>,
  user: ReadonlySet<string>,
): Diagnostic | undefined {
  if (d.resourceType !== 'model' || finalConfig['enabled'] === false) return undefined;
  const m = finalConfig['materialized'];
  if (m === undefined || m === null) return undefined;
  const name = String(m);
  if (builtinMaterialization(name) || user.has(name)) return undefined;
  const known = [...builtinMaterializationNames().filter((n) => builtinMaterialization(n)?.resourceTypes.includes('model')), ...user];
  const at = inFile['materialized'] !== undefined ? configCallPosition(d) : { file: d.file, line: d.loc.line, col: d.loc.col };
  return {
    code: 'materialization-unknown',
    severity: 'error',
    message: `model '${d.name}' is materialized as '${name}', which is not a materialization${inFile['materialized'] !== undefined ? '' : ' (set in the project file or a properties file)'}`,
    ...at,
    node: d.id,
    hint: didYouMean(name, known) ?? `use one of ${known.join(', ')}, or define it with {% materialization ${name}, adapter='default' %}`,
  };
}
