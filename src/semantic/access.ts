/**
 * Access rules of a role, evaluated once per query by the planner (never by the HTTP layer):
 * which rows of each semantic model a role may aggregate, and which members it may not see.
 * Everything here fails closed: a model the role's row filter cannot restrict is refused, not
 * read unfiltered.
 */
import { own } from '../shared/records.js';
import { modelTokens } from './expressions.js';
import { QueryError } from './query.js';
import type { Params } from './sql-fragments.js';
import type { AccessRole, Metric, SemanticLayer } from './types.js';

/** The caller as the planner needs it: a role with restrictions and the token's claims. */
export interface AccessContext {
  readonly role: AccessRole;
  readonly user: Readonly<Record<string, unknown>>;
}

/** Does the role restrict rows at all (a row filter or per-model filters)? */
export function restrictsRows(role: AccessRole | null): boolean {
  return Boolean(role && (role.rowFilter || Object.keys(role.modelFilters).length > 0));
}

/** Why a model cannot be read by a role, or undefined when it can. */
export function refusalFor(layer: SemanticLayer, role: AccessRole | null, model: string): string | undefined {
  try {
    restrictionFor(layer, role, model);
    return undefined;
  } catch (e) {
    if (e instanceof QueryError) return e.message;
    throw e;
  }
}

/**
 * The filter template (with `{model}` tokens and `{{ user.x }}` claims) that restricts rows of
 * `model` for `role`, or null when the role reads it unrestricted. In order: the role's
 * per-model filter; its row filter when every model the filter names is reachable from `model`
 * through many-to-one joins; no filter when the policy lists the model in `unrestricted_models`.
 * Any other model is refused with a 403 naming the filter and the model.
 *
 * @example
 * restrictionFor(layer, roles.sales, 'sales')    // "{customer}.region = {{ user.region }}"
 * restrictionFor(layer, roles.sales, 'product')  // null (unrestricted_models: [product])
 * restrictionFor(layer, roles.sales, 'web')      // throws QueryError 403 access-denied
 */
export function restrictionFor(layer: SemanticLayer, role: AccessRole | null, model: string): string | null {
  if (!role || !restrictsRows(role)) return null;
  const own = role.modelFilters[model];
  if (own !== undefined) return own;
  const rf = role.rowFilter;
  if (rf && modelTokens(rf).every((m) => m === model || layer.paths[model]?.[m])) return rf;
  if (role.unrestrictedModels.includes(model)) return null;
  const why = rf
    ? `its row filter '${rf}' cannot be applied to semantic model '${model}' (no many-to-one join path from '${model}' to ${modelTokens(rf)
        .filter((m) => m !== model && !layer.paths[model]?.[m])
        .map((m) => `'${m}'`)
        .join(', ')})`
    : `it has per-model filters and none for semantic model '${model}'`;
  throw new QueryError(
    'access-denied',
    `role '${role.name}' may not read '${model}': ${why}`,
    `give the role a filter for it (model_filters: { ${model}: "…" }) or list it in unrestricted_models if its rows are not sensitive`,
    403,
  );
}

/**
 * `{{ user.region }}` → a bound parameter holding the verified claim's value. A missing claim
 * (or an object, which a filter cannot compare with) refuses the query.
 *
 * @example bindClaims("{customer}.region = {{ user.region }}", { region: 'EMEA' }, 'sales', p) // "{customer}.region = $1"
 */
export function bindClaims(template: string, user: Readonly<Record<string, unknown>>, roleName: string, p: Params): string {
  return template.replace(/\{\{\s*user\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, claim: string) => {
    const v = own(user, claim);
    if (v === undefined || v === null || typeof v === 'object') {
      throw new QueryError('access-denied', `role '${roleName}' needs the token claim '${claim}', which is missing`, 'mint a token with that attribute', 403);
    }
    return p.bind(v);
  });
}

const hiddenCache = new WeakMap<AccessRole, WeakMap<SemanticLayer, ReadonlySet<string>>>();

/**
 * What a role may not see, by member: its `hide` list plus the measure of every hidden simple
 * or cumulative metric (hiding `revenue` hides `sales.revenue`, so `revenue_ytd` over the same
 * measure is hidden too: hide by measure, not by name).
 */
export function hiddenMembers(layer: SemanticLayer, role: AccessRole | null): ReadonlySet<string> {
  if (!role) return new Set();
  let byLayer = hiddenCache.get(role);
  const cached = byLayer?.get(layer);
  if (cached) return cached;
  const out = new Set(role.hide);
  for (const name of role.hide) {
    const m = layer.metrics[name];
    if (m && (m.type === 'simple' || m.type === 'cumulative')) out.add(`${m.measure.model}.${m.measure.measure}`);
  }
  if (!byLayer) hiddenCache.set(role, (byLayer = new WeakMap()));
  byLayer.set(layer, out);
  return out;
}

/**
 * The hidden member a filter template reads, if any: `{customer}.email like …` reads
 * `customer.email` when that dimension's expression uses the column `email`. Segments and
 * metric filters over a hidden column would filter by it, so they are hidden as well.
 *
 * @example hiddenReference(layer, new Set(['sales.channel']), "{sales}.channel in ('web')") // 'sales.channel'
 */
export function hiddenReference(layer: SemanticLayer, hidden: ReadonlySet<string>, template: string): string | undefined {
  if (hidden.size === 0) return undefined;
  for (const m of template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}\s*\.\s*("?)([A-Za-z_][A-Za-z0-9_]*)\2/g)) {
    const model = layer.models[m[1]!];
    if (!model) continue;
    const column = m[3]!.toLowerCase();
    for (const x of [...Object.values(model.dimensions), ...Object.values(model.measures)]) {
      const member = `${model.name}.${x.name}`;
      if (hidden.has(member) && (x.name.toLowerCase() === column || identifiers(x.expr).includes(column))) return member;
    }
  }
  return undefined;
}

function identifiers(expr: string): string[] {
  return [...expr.replace(/'(?:[^']|'')*'/g, "''").matchAll(/"([^"]+)"|([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => (m[1] ?? m[2]!).toLowerCase());
}

/** The semantic models a metric aggregates (both sides of a conversion, all parts of a ratio). */
export function metricModels(layer: SemanticLayer, metric: Metric, seen: Set<string> = new Set()): string[] {
  if (seen.has(metric.name)) return [];
  seen.add(metric.name);
  switch (metric.type) {
    case 'simple':
    case 'cumulative':
      return [metric.measure.model];
    case 'conversion':
      return [metric.base.model, metric.conversion.model];
    case 'ratio':
      return [metric.numerator, metric.denominator].flatMap((n) => (layer.metrics[n] ? metricModels(layer, layer.metrics[n]!, seen) : []));
    case 'derived':
      return metric.metrics.flatMap((n) => (layer.metrics[n] ? metricModels(layer, layer.metrics[n]!, seen) : []));
  }
}

/**
 * Why a role may not use a metric (a hidden metric, measure or filtered column anywhere in it,
 * or a model it may not read), or undefined when it may.
 */
export function metricRefusal(layer: SemanticLayer, role: AccessRole | null, name: string, seen: Set<string> = new Set()): string | undefined {
  if (!role) return undefined;
  const m = layer.metrics[name];
  if (!m || seen.has(name)) return undefined;
  seen.add(name);
  const hidden = hiddenMembers(layer, role);
  if (hidden.has(name)) return name;
  if (m.filter) {
    const h = hiddenReference(layer, hidden, m.filter);
    if (h) return h;
  }
  switch (m.type) {
    case 'simple':
    case 'cumulative': {
      const member = `${m.measure.model}.${m.measure.measure}`;
      return hidden.has(member) ? member : undefined;
    }
    case 'conversion':
      for (const x of [m.base, m.conversion]) if (hidden.has(`${x.model}.${x.measure}`)) return `${x.model}.${x.measure}`;
      return undefined;
    case 'ratio':
      return metricRefusal(layer, role, m.numerator, seen) ?? metricRefusal(layer, role, m.denominator, seen);
    case 'derived':
      for (const x of m.metrics) {
        const r = metricRefusal(layer, role, x, seen);
        if (r) return r;
      }
      return undefined;
  }
}
