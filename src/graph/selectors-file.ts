import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { didYouMean, error, type Diagnostic } from '../diagnostics/index.js';
import { isRecord, parseYamlLocated, zodDiagnostics, type LocatedYaml, type YamlPath } from '../project/yaml-located.js';
import type { Location } from '../project/types.js';
import { parseAtom, SELECTOR_METHODS, type SelectorAtom } from './selector.js';

export type IndirectSelection = 'eager' | 'cautious' | 'buildable' | 'empty';
const INDIRECT: readonly IndirectSelection[] = ['eager', 'cautious', 'buildable', 'empty'];

/** A definition of selectors.yml with every `selector:` reference inlined. */
export type SelectorDefinition =
  | { readonly kind: 'atom'; readonly atom: SelectorAtom; readonly at: Location }
  | {
      readonly kind: 'union' | 'intersection';
      readonly include: readonly SelectorDefinition[];
      /** Subtracted from the combination of `include` (`- exclude: [...]`). */
      readonly exclude: readonly SelectorDefinition[];
      readonly at: Location;
    };

export interface NamedSelector {
  readonly name: string;
  readonly description?: string;
  readonly default: boolean;
  readonly definition: SelectorDefinition;
  /** `indirect_selection` of the definition's top level, when given. */
  readonly indirect?: IndirectSelection;
  readonly at: Location;
}

export interface SelectorsFile {
  readonly file: string;
  readonly selectors: ReadonlyMap<string, NamedSelector>;
  /** The selector with `default: true`, used when no --select/--exclude/--selector is given. */
  readonly defaultName?: string;
}

/** Internal: definitions before `selector:` references are inlined. */
type Raw =
  | { readonly kind: 'atom'; readonly atom: SelectorAtom; readonly at: Location }
  | { readonly kind: 'ref'; readonly name: string; readonly at: Location }
  | { readonly kind: 'union' | 'intersection'; readonly include: readonly Raw[]; readonly exclude: readonly Raw[]; readonly at: Location };

const entrySchema = z.object({
  name: z.string({ error: (i) => (i.input === undefined ? "'name' is required" : undefined) }).min(1),
  description: z.string().optional(),
  default: z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False'])]).optional(),
  definition: z.unknown().refine((v) => v !== undefined && v !== null, { message: "'definition' is required" }),
});

const FULL_KEYS = ['method', 'value', 'children', 'parents', 'children_depth', 'parents_depth', 'childrens_parents', 'indirect_selection'];

/**
 * Reads `<root>/selectors.yml` (dbt's YAML selectors). No file: `undefined` and no diagnostics.
 *
 * @example loadSelectorsFile('/p').selectors?.selectors.get('nightly')?.definition
 */
export function loadSelectorsFile(root: string): { selectors?: SelectorsFile; diagnostics: Diagnostic[] } {
  let text: string;
  try {
    text = readFileSync(join(root, 'selectors.yml'), 'utf8');
  } catch {
    return { diagnostics: [] };
  }
  return parseSelectorsFile(text, 'selectors.yml');
}

/**
 * Parses selectors.yml text: each definition in CLI syntax (`'tag:nightly'`), key-value
 * (`{tag: nightly}`) or full form (method/value/parents/children/..., union, intersection,
 * exclude, `method: selector` references). Every error is located in the file.
 *
 * @example parseSelectorsFile("selectors:\n  - name: n\n    definition: 'tag:nightly+'\n", 'selectors.yml')
 */
export function parseSelectorsFile(text: string, file: string): { selectors?: SelectorsFile; diagnostics: Diagnostic[] } {
  const y = parseYamlLocated(text, file);
  if (y.errors.length) return { diagnostics: [...y.errors] };
  const diagnostics: Diagnostic[] = [];
  const doc = y.value;
  const list = isRecord(doc) ? doc['selectors'] : undefined;
  if (!Array.isArray(list)) {
    const at = y.locate(isRecord(doc) ? ['selectors'] : []);
    return { diagnostics: [error('selector-invalid', "selectors.yml must have a 'selectors:' list", { ...at, hint: "selectors:\n  - name: nightly\n    definition: 'tag:nightly'" })] };
  }
  const raws = new Map<string, { raw: Raw; entry: z.infer<typeof entrySchema>; path: YamlPath; indirect?: IndirectSelection }>();
  list.forEach((item, i) => {
    const r = entrySchema.safeParse(item);
    if (!r.success) {
      diagnostics.push(...zodDiagnostics(r.error, y, ['selectors', i], 'selector-invalid', (p) => describe(list, p)));
      return;
    }
    const path: YamlPath = ['selectors', i];
    if (raws.has(r.data.name)) {
      diagnostics.push(error('selector-invalid', `selector '${r.data.name}' is defined twice`, { ...y.locate([...path, 'name']), hint: 'give each selector a unique name' }));
      return;
    }
    const def = r.data.definition;
    const indirect = isRecord(def) && typeof def['indirect_selection'] === 'string' ? (def['indirect_selection'] as IndirectSelection) : undefined;
    const raw = parseDefinition(def, [...path, 'definition'], y, diagnostics);
    if (raw) raws.set(r.data.name, { raw, entry: r.data, path, ...(indirect ? { indirect } : {}) });
  });
  const defaults = [...raws.values()].filter((e) => e.entry.default === true || e.entry.default === 'true' || e.entry.default === 'True');
  if (defaults.length > 1) {
    for (const d of defaults.slice(1)) {
      diagnostics.push(
        error('selector-invalid', `more than one selector has 'default: true' (${defaults.map((x) => `'${x.entry.name}'`).join(', ')})`, {
          ...y.locate([...d.path, 'default']),
          hint: 'only one selector can be the default',
        }),
      );
    }
  }
  const selectors = new Map<string, NamedSelector>();
  for (const [name, e] of raws) {
    const definition = inline(e.raw, [name], raws, diagnostics);
    if (!definition) continue;
    selectors.set(name, {
      name,
      ...(e.entry.description !== undefined ? { description: e.entry.description } : {}),
      default: defaults.includes(e),
      definition,
      ...(e.indirect ? { indirect: e.indirect } : {}),
      at: y.locate([...e.path, 'name']),
    });
  }
  if (diagnostics.length) return { diagnostics };
  return { selectors: { file, selectors, ...(defaults[0] ? { defaultName: defaults[0].entry.name } : {}) }, diagnostics };
}

function describe(list: unknown[], p: YamlPath): string {
  const i = p[1];
  const item = typeof i === 'number' ? list[i] : undefined;
  const name = isRecord(item) && typeof item['name'] === 'string' ? `selector '${item['name']}'` : `selectors[${String(i)}]`;
  return [name, ...p.slice(2).map(String)].join('.');
}

function parseDefinition(v: unknown, path: YamlPath, y: LocatedYaml, out: Diagnostic[]): Raw | undefined {
  const at = y.locate(path);
  if (typeof v === 'string') return parseCliString(v, at, out);
  if (!isRecord(v)) {
    out.push(error('selector-invalid', `a selector definition must be a string or a mapping, not ${Array.isArray(v) ? 'a list' : typeof v}`, { ...at, hint: "e.g. 'tag:nightly', {method: tag, value: nightly} or {union: [...]}" }));
    return undefined;
  }
  const keys = Object.keys(v);
  for (const op of ['union', 'intersection'] as const) {
    if (!(op in v)) continue;
    const others = keys.filter((k) => k !== op && k !== 'indirect_selection');
    if (others.length) {
      out.push(error('selector-invalid', `'${op}' cannot be combined with '${others[0]}' in one definition`, { ...y.locate([...path, others[0]!], { key: true }), hint: `put '${others[0]}' inside one of the '${op}' items` }));
      return undefined;
    }
    const items = v[op];
    if (!Array.isArray(items)) {
      out.push(error('selector-invalid', `'${op}' must be a list of definitions`, { ...y.locate([...path, op]) }));
      return undefined;
    }
    const include: Raw[] = [];
    const exclude: Raw[] = [];
    let excludes = 0;
    items.forEach((item, i) => {
      const p: YamlPath = [...path, op, i];
      if (isRecord(item) && 'exclude' in item) {
        if (++excludes > 1) {
          out.push(error('selector-invalid', `only one 'exclude' is allowed in a '${op}'`, { ...y.locate(p), hint: 'list every excluded definition under the one exclude' }));
          return;
        }
        const ex = item['exclude'];
        if (!Array.isArray(ex)) {
          out.push(error('selector-invalid', "'exclude' must be a list of definitions", { ...y.locate([...p, 'exclude']) }));
          return;
        }
        ex.forEach((e, j) => {
          const r = parseDefinition(e, [...p, 'exclude', j], y, out);
          if (r) exclude.push(r);
        });
        return;
      }
      const r = parseDefinition(item, p, y, out);
      if (r) include.push(r);
    });
    if (include.length === 0 && excludes <= 1) {
      out.push(error('selector-invalid', `'${op}' needs at least one definition besides 'exclude'`, { ...y.locate([...path, op]) }));
      return undefined;
    }
    return { kind: op, include, exclude, at };
  }
  if ('exclude' in v) {
    out.push(error('selector-invalid', "'exclude' belongs inside a 'union' or an 'intersection'", { ...y.locate([...path, 'exclude'], { key: true }), hint: 'union:\n  - <definition>\n  - exclude: [<definition>]' }));
    return undefined;
  }
  if (!('method' in v)) {
    // key-value shorthand: `tag: nightly`
    if (keys.length === 1 && (isMethod(keys[0]!) || keys[0] === 'selector')) return fullDefinition({ method: keys[0], value: v[keys[0]!] }, path, y, out, true);
    const hint = keys.length === 1 ? didYouMean(keys[0]!, [...SELECTOR_METHODS.filter((m) => m !== 'name'), 'selector', 'method', 'union', 'intersection']) : undefined;
    out.push(error('selector-invalid', `a selector definition needs 'method' and 'value', 'union' or 'intersection' (found ${keys.map((k) => `'${k}'`).join(', ') || 'nothing'})`, { ...at, hint: hint ?? 'e.g. {method: tag, value: nightly}' }));
    return undefined;
  }
  return fullDefinition(v, path, y, out, false);
}

function isMethod(m: string): boolean {
  const base = m.startsWith('config.') ? 'config' : m;
  return base !== 'name' && (SELECTOR_METHODS as readonly string[]).includes(base);
}

function fullDefinition(v: Record<string, unknown>, path: YamlPath, y: LocatedYaml, out: Diagnostic[], shorthand: boolean): Raw | undefined {
  const where = (key: string, asKey = false): Location => y.locate(shorthand ? path : [...path, key], { key: asKey });
  if (!shorthand) {
    for (const k of Object.keys(v)) {
      if (FULL_KEYS.includes(k)) continue;
      const dym = didYouMean(k, FULL_KEYS);
      out.push(error('selector-invalid', `unknown key '${k}' in a selector definition`, { ...where(k, true), hint: dym ?? `keys: ${FULL_KEYS.join(', ')}` }));
      return undefined;
    }
  }
  const method = v['method'];
  const value = v['value'];
  if (typeof method !== 'string') {
    out.push(error('selector-invalid', "'method' must be a string", { ...where('method') }));
    return undefined;
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    out.push(error('selector-invalid', `'value' of method '${method}' must be a string`, { ...where(value === undefined ? 'method' : 'value'), hint: `e.g. {method: ${method}, value: ...}` }));
    return undefined;
  }
  if (method === 'selector') return { kind: 'ref', name: String(value), at: where('value') };
  if (!isMethod(method) && method !== 'fqn') {
    const dym = didYouMean(method, [...SELECTOR_METHODS.filter((m) => m !== 'name'), 'selector']);
    out.push(error('selector-invalid', `unknown selector method '${method}'`, { ...where('method'), hint: dym ?? `methods: ${SELECTOR_METHODS.filter((m) => m !== 'name').join(', ')}, selector` }));
    return undefined;
  }
  const atom = parseAtom(`${method}:${String(value)}`);
  if ('code' in atom) {
    out.push({ ...atom, ...where('value') });
    return undefined;
  }
  const indirect = v['indirect_selection'];
  if (indirect !== undefined && !INDIRECT.includes(indirect as IndirectSelection)) {
    out.push(error('selector-invalid', `indirect_selection must be one of ${INDIRECT.join(', ')}`, { ...where('indirect_selection'), ...(typeof indirect === 'string' && didYouMean(indirect, INDIRECT) ? { hint: didYouMean(indirect, INDIRECT)! } : {}) }));
    return undefined;
  }
  const depth = (flag: string, key: string): number | undefined => {
    if (v[flag] === undefined || v[flag] === false) return 0;
    if (v[flag] !== true) {
      out.push(error('selector-invalid', `'${flag}' must be true or false`, { ...where(flag) }));
      return undefined;
    }
    const d = v[key];
    if (d === undefined || d === null) return Infinity;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      out.push(error('selector-invalid', `'${key}' must be a whole number`, { ...where(key) }));
      return undefined;
    }
    return d;
  };
  const parents = depth('parents', 'parents_depth');
  const children = depth('children', 'children_depth');
  const at = v['childrens_parents'] === true;
  if (parents === undefined || children === undefined) return undefined;
  const raw = `${at ? '@' : ''}${parents ? '+' : ''}${method}:${String(value)}${children ? '+' : ''}`;
  return { kind: 'atom', atom: { ...atom, raw, parents: at ? 0 : parents, children: at ? 0 : children, at }, at: y.locate(path) };
}

/** `'tag:a,tag:b other +selector:x'`: a union of intersections, as on the command line. */
function parseCliString(s: string, at: Location, out: Diagnostic[]): Raw | undefined {
  const include: Raw[] = [];
  for (const term of s.split(/\s+/).filter(Boolean)) {
    const parts: Raw[] = [];
    for (const part of term.split(',').filter(Boolean)) {
      const ref = /^selector:(.+)$/.exec(part);
      if (ref) {
        parts.push({ kind: 'ref', name: ref[1]!, at });
        continue;
      }
      const atom = parseAtom(part);
      if ('code' in atom) {
        out.push({ ...atom, ...at });
        return undefined;
      }
      parts.push({ kind: 'atom', atom, at });
    }
    if (parts.length === 1) include.push(parts[0]!);
    else if (parts.length > 1) include.push({ kind: 'intersection', include: parts, exclude: [], at });
  }
  if (include.length === 0) {
    out.push(error('selector-invalid', 'empty selector definition', { ...at, hint: "e.g. 'tag:nightly'" }));
    return undefined;
  }
  return include.length === 1 ? include[0] : { kind: 'union', include, exclude: [], at };
}

/** Replaces `selector:` references by their definitions; unknown names and cycles are errors. */
function inline(
  r: Raw,
  stack: readonly string[],
  all: ReadonlyMap<string, { raw: Raw }>,
  out: Diagnostic[],
  firstRef?: Location,
): SelectorDefinition | undefined {
  if (r.kind === 'atom') return r;
  if (r.kind === 'ref') {
    const target = all.get(r.name);
    if (!target) {
      out.push(error('selector-invalid', `selector '${stack[stack.length - 1]}' refers to selector '${r.name}', which is not defined`, { ...r.at, hint: didYouMean(r.name, all.keys()) ?? `defined: ${[...all.keys()].join(', ')}` }));
      return undefined;
    }
    if (stack.includes(r.name)) {
      // reported for each selector of the cycle, at its own reference
      if (stack[0] === r.name) out.push(error('selector-invalid', `selectors refer to each other in a cycle: ${[...stack, r.name].join(' -> ')}`, { ...(firstRef ?? r.at), hint: 'remove one of the selector: references' }));
      return undefined;
    }
    return inline(target.raw, [...stack, r.name], all, out, firstRef ?? r.at);
  }
  const include: SelectorDefinition[] = [];
  const exclude: SelectorDefinition[] = [];
  for (const x of r.include) {
    const d = inline(x, stack, all, out, firstRef);
    if (!d) return undefined;
    include.push(d);
  }
  for (const x of r.exclude) {
    const d = inline(x, stack, all, out, firstRef);
    if (!d) return undefined;
    exclude.push(d);
  }
  return { kind: r.kind, include, exclude, at: r.at };
}

/**
 * The selector `--selector NAME` names; an unknown name is an error with a did-you-mean.
 *
 * @example namedSelector(file, 'nighty') // Diagnostic: "did you mean 'nightly'?"
 */
export function namedSelector(file: SelectorsFile | undefined, name: string): NamedSelector | Diagnostic {
  const s = file?.selectors.get(name);
  if (s) return s;
  if (!file) return error('selector-invalid', `--selector ${name}: the project has no selectors.yml`, { hint: 'define selectors in selectors.yml at the project root' });
  return error('selector-invalid', `--selector ${name}: no selector named '${name}' in ${file.file}`, {
    file: file.file,
    line: 1,
    col: 1,
    hint: didYouMean(name, file.selectors.keys()) ?? `selectors: ${[...file.selectors.keys()].join(', ') || '(none)'}`,
  });
}
