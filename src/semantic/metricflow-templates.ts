/**
 * MetricFlow's reference syntax (`{{ Dimension('customer__region') }}`,
 * `{{ TimeDimension('metric_time', 'month') }}`, `{{ Entity('customer') }}`) → Strata members
 * (`customers.region`, `orders.ordered_at.month`) and `{model}.column` SQL.
 *
 * `metric_time` is resolved where it is used: to the agg time dimension of the measures in scope
 * (the metric's measures, or every measure of a saved query), which must be one and the same
 * dimension.
 */
import { didYouMean } from '../diagnostics/index.js';
import { truncate } from './sql-fragments.js';
import { GRANULARITIES, type Granularity, type MeasureRef, type SemanticLayer, type SemanticModel } from './types.js';

export interface TemplateScope {
  readonly models: Readonly<Record<string, SemanticModel>>;
  readonly paths: SemanticLayer['paths'];
  /** The measures the filter or query applies to (for metric_time and entity preference). */
  readonly measures: readonly MeasureRef[];
  /** What the scope is, for messages: "metric 'revenue'". */
  readonly what: string;
}

/** A reference that could not be translated: message and hint, as a diagnostic needs. */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly hint: string | undefined,
    readonly code: 'semantic-invalid' | 'unknown-member' = 'semantic-invalid',
  ) {
    super(message);
  }
}

interface Call {
  readonly fn: string;
  readonly args: readonly string[];
  readonly methods: readonly { readonly name: string; readonly args: readonly string[] }[];
}

/** `Dimension('a__b').grain('month')` → its parts; kwargs and non-string arguments are refused. */
function parseCall(text: string): Call {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const ident = (): string => {
    ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!m) throw new TemplateError(`cannot read '${text.trim()}'`, "write e.g. Dimension('customer__region')");
    i += m[0].length;
    return m[0];
  };
  const args = (): string[] => {
    ws();
    if (text[i] !== '(') throw new TemplateError(`cannot read '${text.trim()}': expected '(' after the name`, undefined);
    i++;
    const out: string[] = [];
    for (;;) {
      ws();
      if (text[i] === ')') {
        i++;
        return out;
      }
      const quote = text[i];
      if (quote === "'" || quote === '"') {
        const end = text.indexOf(quote, i + 1);
        if (end < 0) throw new TemplateError(`unterminated string in '${text.trim()}'`, undefined);
        out.push(text.slice(i + 1, end));
        i = end + 1;
      } else {
        const m = /^[^,)]*/.exec(text.slice(i))![0];
        throw new TemplateError(`'${m.trim()}' in '${text.trim()}' is not supported: arguments are quoted names`, "e.g. TimeDimension('metric_time', 'month') or Dimension('order__ordered_at').grain('month')");
      }
      ws();
      if (text[i] === ',') i++;
      else if (text[i] !== ')') throw new TemplateError(`cannot read '${text.trim()}'`, undefined);
    }
  };
  const fn = ident();
  const a = args();
  const methods: { name: string; args: string[] }[] = [];
  ws();
  while (text[i] === '.') {
    i++;
    const name = ident();
    methods.push({ name, args: args() });
    ws();
  }
  if (i < text.length) throw new TemplateError(`unexpected '${text.slice(i).trim()}' in '${text.trim()}'`, undefined);
  return { fn, args: a, methods };
}

/** A resolved reference: where it lives, and at which grain for time dimensions. */
export interface ResolvedRef {
  readonly model: string;
  readonly dim: string;
  readonly grain: Granularity | undefined;
}

/** The Strata member of a reference: `customers.region`, `orders.ordered_at.month`. */
export function memberOf(r: ResolvedRef): string {
  return `${r.model}.${r.dim}${r.grain ? `.${r.grain}` : ''}`;
}

/** The SQL of a reference with `{model}` tokens (time dimensions truncated to their grain). */
export function sqlOf(scope: TemplateScope, r: ResolvedRef): string {
  const d = scope.models[r.model]!.dimensions[r.dim]!;
  return truncate(d.sql.replace(/\{self\}/g, `{${r.model}}`), r.grain);
}

const KEYED = new Set(['primary', 'unique', 'natural']);

/** Does `Dimension('<entity>__x')` address model m? (Its primary entity, or a Strata model of that name.) */
function addressedBy(m: SemanticModel, entity: string): boolean {
  if (m.format !== 'metricflow') return m.name === entity;
  const t = m.entities?.[entity]?.type;
  return m.primaryEntity === entity || (t !== undefined && KEYED.has(t));
}

function scopeModels(scope: TemplateScope): string[] {
  return [...new Set(scope.measures.map((m) => m.model))];
}

/** Of several candidate models, the one in scope or reachable from every measure in scope. */
function pick(scope: TemplateScope, cands: readonly string[], what: string): string {
  if (cands.length === 1) return cands[0]!;
  const own = scopeModels(scope);
  const inScope = cands.filter((c) => own.includes(c));
  if (inScope.length === 1) return inScope[0]!;
  const reach = cands.filter((c) => own.length > 0 && own.every((s) => s === c || scope.paths[s]?.[c]));
  if (reach.length === 1) return reach[0]!;
  throw new TemplateError(`${what} is ambiguous: it is declared in semantic models ${cands.map((c) => `'${c}'`).join(', ')}`, 'rename one of them, or give the models different primary entities');
}

function grainOf(scope: TemplateScope, model: string, dim: string, grain: string | undefined, text: string): Granularity | undefined {
  const d = scope.models[model]!.dimensions[dim]!;
  if (d.type !== 'time') {
    if (grain !== undefined) throw new TemplateError(`'${text}': '${model}.${dim}' is not a time dimension, so it has no grain '${grain}'`, undefined);
    return undefined;
  }
  if (grain === undefined) return d.granularities[0];
  const g = grain.toLowerCase();
  if (!(GRANULARITIES as readonly string[]).includes(g)) throw new TemplateError(`'${text}': grain '${grain}' is not supported`, `granularities: ${GRANULARITIES.join(', ')}`);
  if (!d.granularities.includes(g as Granularity)) throw new TemplateError(`'${text}': '${model}.${dim}' has no granularity '${g}'`, `granularities: ${d.granularities.join(', ')}`);
  return g as Granularity;
}

/** metric_time → the one agg time dimension of the measures in scope. */
function metricTime(scope: TemplateScope): { model: string; dim: string } {
  if (scope.measures.length === 0) throw new TemplateError(`metric_time in ${scope.what} has no measure to take its time from`, 'name a time dimension instead, e.g. TimeDimension(\'order__ordered_at\', \'day\')');
  const found = new Map<string, { model: string; dim: string }>();
  for (const r of scope.measures) {
    const m = scope.models[r.model]!;
    const t = m.measures[r.measure]?.aggTime ?? m.defaultTime;
    if (!t) throw new TemplateError(`metric_time in ${scope.what}: measure '${r.model}.${r.measure}' has no time dimension`, 'give its model a time dimension (agg_time_dimension)');
    found.set(`${r.model}.${t}`, { model: r.model, dim: t });
  }
  if (found.size > 1) {
    throw new TemplateError(
      `metric_time in ${scope.what} is ambiguous: its measures are aggregated over different time dimensions (${[...found.keys()].join(', ')})`,
      'metric_time needs one agg time dimension; filter or group each metric separately, or name the time dimension explicitly',
    );
  }
  return [...found.values()][0]!;
}

/**
 * One reference call (without `{{ }}`) → where it lives.
 *
 * @example resolveRef(scope, "Dimension('customer__region')") // { model: 'customers', dim: 'region', grain: undefined }
 */
export function resolveReference(scope: TemplateScope, text: string): ResolvedRef {
  const c = parseCall(text);
  let grain: string | undefined;
  for (const m of c.methods) {
    if (m.name === 'grain' && m.args.length === 1) grain = m.args[0];
    else throw new TemplateError(`'.${m.name}(…)' in '${text.trim()}' is not supported`, ".grain('<granularity>') is");
  }
  const ref = c.args[0];
  switch (c.fn) {
    case 'Dimension':
    case 'TimeDimension': {
      if (c.args.length < 1 || c.args.length > (c.fn === 'TimeDimension' ? 2 : 1)) throw new TemplateError(`'${text.trim()}' takes ${c.fn === 'TimeDimension' ? "a name and an optional grain: TimeDimension('metric_time', 'month')" : "one name: Dimension('customer__region')"}`, undefined);
      if (c.args[1] !== undefined) grain = c.args[1];
      const parts = ref!.split('__');
      if (parts.length === 1) {
        if (ref === 'metric_time') {
          const t = metricTime(scope);
          return { ...t, grain: grainOf(scope, t.model, t.dim, grain, text.trim()) };
        }
        throw new TemplateError(`'${text.trim()}': '${ref}' needs its entity, as in '<entity>__${ref}'`, "e.g. Dimension('customer__region'); only metric_time stands alone");
      }
      const dim = parts[parts.length - 1]!;
      const entity = parts[parts.length - 2]!;
      const cands = Object.values(scope.models).filter((m) => addressedBy(m, entity) && m.dimensions[dim]).map((m) => m.name);
      if (cands.length === 0) {
        const owners = Object.values(scope.models).filter((m) => addressedBy(m, entity));
        const hint = owners.length
          ? didYouMean(dim, owners.flatMap((m) => Object.keys(m.dimensions))) ?? `dimensions of '${entity}': ${owners.flatMap((m) => Object.keys(m.dimensions)).join(', ')}`
          : didYouMean(entity, Object.values(scope.models).flatMap((m) => (m.format === 'metricflow' ? (m.primaryEntity ? [m.primaryEntity] : []) : [m.name]))) ?? `no semantic model has the primary entity '${entity}'`;
        throw new TemplateError(`'${text.trim()}': no dimension '${dim}' of entity '${entity}'`, hint, 'unknown-member');
      }
      const model = pick(scope, cands, `'${text.trim()}'`);
      return { model, dim, grain: grainOf(scope, model, dim, grain, text.trim()) };
    }
    case 'Entity': {
      if (c.args.length !== 1) throw new TemplateError(`'${text.trim()}' takes one entity name: Entity('customer')`, undefined);
      const entity = ref!.split('__').pop()!;
      const own = scopeModels(scope).filter((m) => scope.models[m]!.entities?.[entity]);
      if (own.length === 1) return { model: own[0]!, dim: entity, grain: undefined };
      const cands = Object.values(scope.models).filter((m) => { const t = m.entities?.[entity]?.type; return t !== undefined && KEYED.has(t); }).map((m) => m.name);
      if (cands.length === 0) {
        const all = [...new Set(Object.values(scope.models).flatMap((m) => Object.keys(m.entities ?? {})))];
        throw new TemplateError(`'${text.trim()}': no semantic model has the entity '${entity}'`, didYouMean(entity, all) ?? `entities: ${all.join(', ') || '(none)'}`, 'unknown-member');
      }
      return { model: pick(scope, cands, `'${text.trim()}'`), dim: entity, grain: undefined };
    }
    case 'Metric':
      throw new TemplateError(`'${text.trim()}': filtering by a metric's value is not supported`, 'filter on dimensions and entities; for a threshold on a metric, filter the query result');
    default:
      throw new TemplateError(`'${c.fn}(…)' is not a MetricFlow reference`, "use Dimension('…'), TimeDimension('…', '<grain>') or Entity('…')");
  }
}

/**
 * A MetricFlow filter → SQL with `{model}` tokens.
 *
 * @example translateFilter(scope, "{{ Dimension('customer__region') }} = 'EMEA'") // "{customers}.region = 'EMEA'"
 */
export function translateFilter(scope: TemplateScope, text: string): string {
  if (/\{%|\{#/.test(text)) throw new TemplateError(`Jinja statements in filter '${text}' are not supported`, "only {{ Dimension('…') }}, {{ TimeDimension('…', '…') }} and {{ Entity('…') }} are");
  const out = text.replace(/\{\{([\s\S]*?)\}\}/g, (_m, inner: string) => sqlOf(scope, resolveReference(scope, inner)));
  if (/\{\{|\}\}/.test(out)) throw new TemplateError(`unbalanced '{{' or '}}' in filter '${text}'`, undefined);
  return out;
}

/**
 * A saved query's `group_by` entry → a Strata member. Accepts MetricFlow's references (with or
 * without `{{ }}`) and Strata members as written (`customer.region`, `sales.sold_at.month`).
 */
export function translateGroupBy(scope: TemplateScope, text: string): string {
  const inner = /^\s*\{\{([\s\S]*)\}\}\s*$/.exec(text)?.[1] ?? text;
  if (/^\s*[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){1,2}\s*$/.test(inner)) return inner.trim();
  return memberOf(resolveReference(scope, inner));
}
