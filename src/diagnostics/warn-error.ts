import { parse as parseYaml } from 'yaml';
import { didYouMean } from './closest-match.js';
import { CompileError, DIAGNOSTIC_CODES, type Diagnostic } from './diagnostic.js';

/**
 * Warning names that are not diagnostic codes: outcomes of a run that are warnings in dbt
 * (a `warn` test, a freshness check past `warn_after`, a selection matching nothing).
 */
export const WARNING_EVENTS = ['test-warn', 'freshness-warn', 'empty-selection'] as const;

/**
 * dbt event names accepted in `--warn-error-options`, and the Strata name each one means. Only
 * events with an obvious Strata counterpart are listed; any other dbt name is accepted and
 * matches nothing (dbt has many events Strata never emits).
 */
export const DBT_WARNING_NAMES: Readonly<Record<string, string>> = {
  LogTestResult: 'test-warn',
  LogFreshnessResult: 'freshness-warn',
  NoNodesForSelectionCriteria: 'empty-selection',
  CustomKeyInConfigDeprecation: 'config-unknown-key',
  CustomKeyInObjectDeprecation: 'config-unknown-key',
  DepsUnpinned: 'package-unpinned',
  PackageRedirectDeprecation: 'package-deprecated',
  PackageInstallPathDeprecation: 'package-deprecated',
};

/** What happens to a warning: printed as a warning, turned into an error, or not shown at all. */
export type WarningFate = 'warn' | 'error' | 'silence';

/**
 * `--warn-error` / `--warn-error-options`: which warnings are errors. `error: 'all'` promotes
 * every warning but those in `warn`; otherwise only the names in `error`. `silence` hides.
 */
export interface WarnErrorPolicy {
  readonly error: 'all' | ReadonlySet<string>;
  readonly warn: ReadonlySet<string>;
  readonly silence: ReadonlySet<string>;
}

export const NO_WARN_ERROR: WarnErrorPolicy = { error: new Set(), warn: new Set(), silence: new Set() };
export const WARN_ERROR_ALL: WarnErrorPolicy = { error: 'all', warn: new Set(), silence: new Set() };

/** A dbt event name becomes its Strata name; Strata names stay as they are. */
function canonical(name: string): string {
  return DBT_WARNING_NAMES[name] ?? name;
}

/** What the policy does with a warning of this code/event name. */
export function warningFate(policy: WarnErrorPolicy, name: string): WarningFate {
  if (policy.silence.has(name)) return 'silence';
  if (policy.error === 'all') return policy.warn.has(name) ? 'warn' : 'error';
  return policy.error.has(name) ? 'error' : 'warn';
}

/** True when any warning at all can become an error (the executor needs to know for `warn` nodes). */
export function promotes(policy: WarnErrorPolicy, name: string): boolean {
  return warningFate(policy, name) === 'error';
}

/**
 * Applies the policy to a stage's diagnostics: promoted warnings become errors (same code, file,
 * line), silenced ones are dropped, errors stay.
 */
export function applyWarnError(policy: WarnErrorPolicy, ds: readonly Diagnostic[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of ds) {
    if (d.severity === 'error') {
      out.push(d);
      continue;
    }
    const fate = warningFate(policy, d.code);
    if (fate === 'silence') continue;
    out.push(fate === 'error' ? { ...d, severity: 'error', message: `${d.message} (warning treated as an error: --warn-error)` } : d);
  }
  return out;
}

const KNOWN_KEYS = ['error', 'include', 'warn', 'exclude', 'silence'];
const KNOWN_NAMES: readonly string[] = [...DIAGNOSTIC_CODES, ...WARNING_EVENTS];

function hintFor(name: string): string {
  const h = didYouMean(name, KNOWN_NAMES);
  return h ? ` (${h})` : '';
}

/**
 * Parses `--warn-error-options` (JSON, or YAML flow as dbt accepts: `{error: [x]}`): `error` /
 * `include` is `"all"`, `"*"` or a list of names; `warn` / `exclude` and `silence` are lists.
 * A malformed value is a `flags-invalid` CompileError naming where it came from.
 *
 * @example parseWarnErrorOptions('{"error": ["config-unknown-key"]}', '--warn-error-options')
 */
export function parseWarnErrorOptions(text: string, source: string): WarnErrorPolicy {
  const fail = (why: string): never => {
    throw new CompileError([
      {
        code: 'flags-invalid',
        severity: 'error',
        message: `${source} is not valid: ${why}`,
        hint: `e.g. ${source === '--warn-error-options' ? "--warn-error-options '{\"error\": [\"config-unknown-key\"], \"warn\": []}'" : `${source}='{"error": "all", "warn": ["test-warn"]}'`}`,
      },
    ]);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    try {
      raw = parseYaml(text);
    } catch {
      fail(`not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (raw === null || typeof raw !== 'object') fail(`not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('expected an object such as {"error": [...], "warn": [...]}');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!KNOWN_KEYS.includes(k)) fail(`unknown key '${k}' (expected error, warn, silence; or include, exclude)`);
  }
  if ('error' in o && 'include' in o) fail("give 'error' or 'include', not both");
  if ('warn' in o && 'exclude' in o) fail("give 'warn' or 'exclude', not both");
  const names = (key: string, v: unknown): Set<string> => {
    if (v === undefined || v === null) return new Set();
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(`'${key}' must be a list of warning names`);
    for (const n of v as string[]) {
      // kebab-case names are Strata's and must exist; CamelCase ones are dbt events (see DBT_WARNING_NAMES)
      if (/^[a-z]/.test(n) && !KNOWN_NAMES.includes(n)) fail(`'${n}' in '${key}' is not a warning name${hintFor(n)}`);
    }
    return new Set((v as string[]).map(canonical));
  };
  const errorRaw = o['error'] ?? o['include'];
  const error: 'all' | Set<string> =
    errorRaw === 'all' || errorRaw === '*' ? 'all' : names('error' in o ? 'error' : 'include', errorRaw);
  const warn = names('warn' in o ? 'warn' : 'exclude', o['warn'] ?? o['exclude']);
  if (warn.size > 0 && error !== 'all') fail(`'${'warn' in o ? 'warn' : 'exclude'}' only applies when 'error' is "all"`);
  return { error, warn, silence: names('silence', o['silence']) };
}
