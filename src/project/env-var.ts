import { error } from '../diagnostics/index.js';
import type { DiagnosticBag } from '../diagnostics/index.js';
import type { LocatedYaml, YamlPath } from './yaml-located.js';
import { isRecord } from './yaml-located.js';

/** Environment as a plain map (process.env, or a test's own). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * `{{ env_var('X') }}` or `{{ env_var("X", "default") }}`, optionally followed by one of dbt's
 * coercion filters. Only this form is supported here: the project file and profiles.yml are read
 * before the template engine exists (only `compiler/` may import nunjucks).
 */
const ENV_VAR_RE =
  /\{\{-?\s*env_var\(\s*(['"])([^'"]+)\1\s*(?:,\s*(['"])((?:(?!\3).)*)\3\s*)?\)\s*(?:\|\s*(as_number|as_bool|as_text|int|float|string)\s*)?-?\}\}/g;

/** Hook keys hold SQL templates rendered later by the compiler (which knows env_var too), as in dbt. */
const TEMPLATE_KEYS = new Set(['pre-hook', 'post-hook', 'pre_hook', 'post_hook', '+pre-hook', '+post-hook', '+pre_hook', '+post_hook']);

/**
 * Replaces `{{ env_var(...) }}` in every string of a YAML value. A string that is exactly one
 * call with `| as_number` / `| int` / `| float` / `| as_bool` becomes a number / boolean, like dbt.
 * A missing variable without a default adds 'env-var-undefined' located at the string.
 *
 * @example
 * renderEnvVars({ host: "{{ env_var('PGHOST', 'localhost') }}" }, y, [], {}, bag)
 * // { host: 'localhost' }
 */
export function renderEnvVars(
  value: unknown,
  yaml: Pick<LocatedYaml, 'locate'>,
  path: YamlPath,
  env: Env,
  bag: DiagnosticBag,
): unknown {
  if (typeof value === 'string') return renderString(value, yaml, path, env, bag);
  if (Array.isArray(value)) return value.map((v, i) => renderEnvVars(v, yaml, [...path, i], env, bag));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = TEMPLATE_KEYS.has(k) ? v : renderEnvVars(v, yaml, [...path, k], env, bag);
    }
    return out;
  }
  return value;
}

function renderString(
  s: string,
  yaml: Pick<LocatedYaml, 'locate'>,
  path: YamlPath,
  env: Env,
  bag: DiagnosticBag,
): unknown {
  if (!s.includes('env_var')) return s;
  let whole: { value: string; filter: string | undefined } | undefined;
  const replaced = s.replace(
    ENV_VAR_RE,
    (match, _q1: string, name: string, _q2: string | undefined, dflt: string | undefined, filter: string | undefined) => {
      const v = env[name] ?? dflt;
      if (v === undefined) {
        const at = yaml.locate(path);
        bag.add(
          error('env-var-undefined', `environment variable '${name}' is not set and has no default`, {
            ...at,
            hint: `set ${name}, or give a default: env_var('${name}', '...')`,
          }),
        );
        return '';
      }
      if (match === s.trim()) whole = { value: v, filter };
      return v;
    },
  );
  if (whole?.filter) return coerce(whole.value, whole.filter);
  return replaced;
}

function coerce(v: string, filter: string): unknown {
  switch (filter) {
    case 'as_number':
    case 'int':
    case 'float': {
      const n = Number(v);
      return Number.isFinite(n) && v.trim() !== '' ? n : v;
    }
    case 'as_bool':
      return /^(true|yes|1)$/i.test(v.trim()) ? true : /^(false|no|0)$/i.test(v.trim()) ? false : v;
    default:
      return v;
  }
}
