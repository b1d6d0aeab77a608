import { DiagnosticBag, didYouMean, type Diagnostic } from '../diagnostics/index.js';
import { checkConfigTypes } from '../project/config-keys.js';
import { KNOWN_CONFIG_KEYS } from '../project/index.js';
import { MODELING_CONFIG_KEYS } from '../modeling/config.js';
import type { Draft } from './drafts.js';

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
