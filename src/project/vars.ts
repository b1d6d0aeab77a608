import { CompileError, DiagnosticBag, error } from '../diagnostics/index.js';
import { isRecord, parseYamlLocated } from './yaml-located.js';

/**
 * Parses `--vars` text (YAML; JSON is YAML) into a mapping. Empty text means no vars.
 * Throws CompileError 'vars-invalid' when it is not a mapping or does not parse.
 *
 * @example parseVars('{"start_date": "2024-01-01"}', '--vars') // { start_date: '2024-01-01' }
 * @example parseVars('start_date: 2024-01-01', '--vars')       // { start_date: '2024-01-01' }
 */
export function parseVars(text: string, source: string): Record<string, unknown> {
  const bag = new DiagnosticBag();
  const vars = parseVarsInto(text, source, bag);
  bag.throwIfErrors();
  return vars;
}

/** Like `parseVars`, collecting problems into `bag` (loadProject reports them with the rest). */
export function parseVarsInto(text: string, source: string, bag: DiagnosticBag): Record<string, unknown> {
  if (text.trim() === '') return {};
  const yaml = parseYamlLocated(text, source);
  if (yaml.errors.length) {
    for (const e of yaml.errors) {
      bag.add(error('vars-invalid', `${source} is not valid YAML or JSON: ${e.message.replace(/^invalid YAML: /, '')}`, {
        hint: `example: ${source} '{"key": "value"}'`,
      }));
    }
    return {};
  }
  if (!isRecord(yaml.value)) {
    bag.add(
      error('vars-invalid', `${source} must be a mapping of names to values, got ${describe(yaml.value)}`, {
        hint: `example: ${source} '{"key": "value"}' or ${source} 'key: value'`,
      }),
    );
    return {};
  }
  return normalizeDates(yaml.value) as Record<string, unknown>;
}

/**
 * YAML 1.2 (the `yaml` default) keeps `2024-01-01` a string, which is what dbt users expect when
 * they write `--vars 'start: 2024-01-01'`; this only guards against Date objects sneaking in.
 */
function normalizeDates(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(normalizeDates);
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalizeDates(x)]));
  return v;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  return `a ${typeof v}`;
}
