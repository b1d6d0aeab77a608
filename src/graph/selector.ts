import { error, type Diagnostic } from '../diagnostics/index.js';

/**
 * One selection criterion as dbt spells it: `[@][N+]method:value[+N]`.
 *
 * @example parseSelector('2+tag:nightly+') // {method:'tag', value:'nightly', parents:2, children:Infinity}
 */
export interface SelectorAtom {
  readonly raw: string;
  readonly method: SelectorMethod;
  readonly value: string;
  /** Ancestor depth (`+x` = Infinity, `2+x` = 2, none = 0). */
  readonly parents: number;
  /** Descendant depth (`x+` = Infinity, `x+1` = 1, none = 0). */
  readonly children: number;
  /** `@x`: x, its descendants, and all ancestors of those descendants. */
  readonly at: boolean;
}

export const SELECTOR_METHODS = [
  'name', // bare words: name, fqn or path (dbt's default method guessing)
  'fqn',
  'tag',
  'path',
  'file',
  'resource_type',
  'package',
  'source',
  'config',
  'test_type',
  'test_name',
  'state',
  'exposure',
  'version',
  'result', // status of the node in <--state>/run_results.json
  'source_status', // freshness of sources: target/sources.json against <--state>/sources.json
] as const;
export type SelectorMethod = (typeof SELECTOR_METHODS)[number];

/** A union (space-separated) of intersections (comma-separated) of atoms. */
export type SelectorExpr = readonly (readonly SelectorAtom[])[];

const ATOM_RE = /^(@)?(?:(\d*)\+)?([^+]+?)(?:\+(\d*))?$/;

/** Parses one atom such as `+stg_orders`, `tag:nightly+`, `config.materialized:view`. */
export function parseAtom(raw: string): SelectorAtom | Diagnostic {
  const m = ATOM_RE.exec(raw);
  if (!m) return error('selector-invalid', `cannot parse selector '${raw}'`, { hint: 'write e.g. +name, name+, @name, tag:x, path:models/gold' });
  const [, at, up, body, down] = m;
  if (at && up !== undefined) {
    return error('selector-invalid', `selector '${raw}' mixes '@' and '+' before the name`, { hint: `use '@${body}'` });
  }
  let method: SelectorMethod = 'name';
  let value = body!;
  const colon = body!.indexOf(':');
  if (colon > 0) {
    const m0 = body!.slice(0, colon);
    const base = m0.startsWith('config.') ? 'config' : m0;
    if (!(SELECTOR_METHODS as readonly string[]).includes(base)) {
      return error('selector-invalid', `unknown selector method '${m0}' in '${raw}'`, {
        hint: `methods: ${SELECTOR_METHODS.filter((x) => x !== 'name').join(', ')}`,
      });
    }
    method = base as SelectorMethod;
    value = base === 'config' ? `${m0.slice('config.'.length)}:${body!.slice(colon + 1)}` : body!.slice(colon + 1);
  }
  return {
    raw,
    method,
    value,
    parents: up === undefined ? 0 : up === '' ? Infinity : Number(up),
    children: down === undefined ? 0 : down === '' ? Infinity : Number(down),
    at: Boolean(at),
  };
}

/**
 * Parses `--select`/`--exclude` values (each argument may itself hold several space-separated
 * terms, as dbt allows).
 */
export function parseSelectors(args: readonly string[]): { expr: SelectorExpr; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const expr: SelectorAtom[][] = [];
  for (const term of args.flatMap((a) => a.split(/\s+/)).filter(Boolean)) {
    const group: SelectorAtom[] = [];
    for (const part of term.split(',').filter(Boolean)) {
      const atom = parseAtom(part);
      if ('code' in atom) diagnostics.push(atom);
      else group.push(atom);
    }
    if (group.length) expr.push(group);
  }
  return { expr, diagnostics };
}
