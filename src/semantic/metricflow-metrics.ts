/**
 * MetricFlow `metrics:` and `saved_queries:` → Strata's IR metrics and `SavedQuery` records.
 * Measure names are global (resolved to `model.measure`); filters in MetricFlow's reference
 * syntax become `{model}.column` SQL; inputs with their own filter (ratio numerator/denominator,
 * derived metric inputs) become generated metrics named `<metric>__<input or alias>`.
 */
import { didYouMean, error, type Diagnostic } from '../diagnostics/index.js';
import type { LocatedEntry } from '../project/yaml-located.js';
import { nullRecord, toList } from '../shared/records.js';
import { expressionIdentifiers, parseInterval, substituteIdentifiers } from './expressions.js';
import { checkDimensionMember } from './load-checks.js';
import { measureIndex } from './metricflow.js';
import type { MfMeasureInput, MfMetric, MfMetricInput, MfSavedQuery } from './metricflow-schema.js';
import { TemplateError, translateFilter, translateGroupBy, type TemplateScope } from './metricflow-templates.js';
import { GRANULARITIES, type Granularity, type MeasureRef, type Metric, type SavedQuery, type SemanticLayer, type SemanticModel, type SourceLocation } from './types.js';

export interface MfMetricContext {
  readonly models: Readonly<Record<string, SemanticModel>>;
  readonly paths: SemanticLayer['paths'];
  /** Metrics built so far (Strata's own); MetricFlow metrics are added to it. */
  readonly metrics: Record<string, Metric>;
  /** Every metric name declared anywhere (for references and did-you-mean). */
  readonly metricNames: readonly string[];
  readonly diags: Diagnostic[];
  /**
   * Some semantic model was rejected by its schema: unknown-member errors of references would
   * only be follow-ups of that error, so they are not reported (the layer fails anyway).
   */
  readonly quiet?: boolean;
}

/** The measures a metric aggregates, following ratio and derived metrics. */
export function measuresOf(metrics: Readonly<Record<string, Metric>>, name: string, seen = new Set<string>()): MeasureRef[] {
  const m = metrics[name];
  if (!m || seen.has(name)) return [];
  seen.add(name);
  switch (m.type) {
    case 'simple':
    case 'cumulative':
      return [m.measure];
    case 'conversion':
      return [m.base];
    case 'ratio':
      return [...measuresOf(metrics, m.numerator, seen), ...measuresOf(metrics, m.denominator, seen)];
    case 'derived':
      return m.metrics.flatMap((x) => measuresOf(metrics, x, seen));
  }
}

/** Builds every MetricFlow metric into `ctx.metrics`; problems become located diagnostics. */
export function buildMetricFlowMetrics(entries: readonly LocatedEntry<MfMetric>[], ctx: MfMetricContext): void {
  const { models, metrics, diags } = ctx;
  const index = measureIndex(models);
  const byName = new Map<string, LocatedEntry<MfMetric>>();
  for (const e of entries) if (!byName.has(e.raw.name)) byName.set(e.raw.name, e);
  const state = new Map<string, 'building' | 'done'>();
  /** Strata's own metrics: a MetricFlow metric of the same name is a duplicate, never built. */
  const before = new Set(Object.keys(metrics));
  const allMeasures = [...index.keys()];

  const build = (e: LocatedEntry<MfMetric>): void => {
    const r = e.raw;
    if (state.has(r.name) || before.has(r.name) || byName.get(r.name) !== e) return;
    state.set(r.name, 'building');
    const at = (...p: (string | number)[]): SourceLocation => e.y.locate([...e.path, ...p]);
    const tp = (...p: (string | number)[]): SourceLocation => at('type_params', ...p);
    const loc = at();
    let failed = false;
    const bad = (message: string, where: SourceLocation, hint?: string, code: 'semantic-invalid' | 'unknown-member' = 'semantic-invalid'): void => {
      failed = true;
      if (code === 'unknown-member' && ctx.quiet) return;
      diags.push(error(code, `metric '${r.name}': ${message}`, { ...where, ...(hint ? { hint } : {}) }));
    };
    const warn = (message: string, where: SourceLocation, hint: string): void => {
      diags.push({ code: 'config-ignored-key', severity: 'warning', message: `metric '${r.name}': ${message}`, ...where, hint });
    };
    /** A filter (one string or a list) in MetricFlow syntax → SQL, or null. */
    const filterOf = (f: string | string[] | undefined, scope: readonly MeasureRef[], where: SourceLocation): string | null => {
      const list = toList(f).map(String);
      const out: string[] = [];
      for (const text of list) {
        try {
          out.push(translateFilter(scopeOf(scope), text));
        } catch (err) {
          if (!(err instanceof TemplateError)) throw err;
          bad(err.message, where, err.hint, err.code);
        }
      }
      return combine(out);
    };
    const scopeOf = (measures: readonly MeasureRef[]): TemplateScope => ({ models, paths: ctx.paths, measures, what: `metric '${r.name}'` });
    const measureRef = (input: MfMeasureInput, where: SourceLocation, whereFilter: SourceLocation): { ref: MeasureRef; filter: string | null; obj: Exclude<MfMeasureInput, string> | undefined } | undefined => {
      const obj = typeof input === 'string' ? undefined : input;
      const nm = obj ? obj.name : (input as string);
      const owners = index.get(nm) ?? [];
      if (owners.length === 0) {
        bad(`unknown measure '${nm}'`, where, didYouMean(nm, allMeasures) ?? `measures: ${allMeasures.join(', ') || '(none)'}`, 'unknown-member');
        return undefined;
      }
      if (owners.filter((o) => models[o]!.format === 'metricflow').length > 1) {
        failed = true; // reported where the second model declares it
        return undefined;
      }
      if (owners.length > 1) {
        bad(`measure '${nm}' is declared in several semantic models (${owners.join(', ')}); MetricFlow measure names are global`, where, 'rename the measures so each name is unique');
        return undefined;
      }
      const ref = { model: owners[0]!, measure: nm };
      return { ref, filter: obj ? filterOf(obj.filter, [ref], whereFilter) : null, obj };
    };
    const ensure = (name: string): void => {
      const dep = byName.get(name);
      if (dep && !state.has(name)) build(dep);
    };
    const known = (name: string, where: SourceLocation): boolean => {
      if (ctx.metricNames.includes(name) || metrics[name]) return true;
      bad(`unknown metric '${name}'`, where, didYouMean(name, ctx.metricNames) ?? 'define it under metrics:', 'unknown-member');
      return false;
    };
    /** An input with its own filter becomes a generated derived metric over it. */
    const filteredInput = (input: string, suffix: string, f: string | string[] | undefined, where: SourceLocation): string => {
      if (f === undefined || toList(f).length === 0) return input;
      const gen = `${r.name}__${suffix}`;
      if (ctx.metricNames.includes(gen) || metrics[gen]) {
        bad(`the generated metric '${gen}' for its filtered input '${input}' clashes with a metric of that name`, where, 'rename that metric');
        return input;
      }
      const sql = filterOf(f, measuresOf(metrics, input), where);
      metrics[gen] = { name: gen, type: 'derived', description: `${input} filtered for ${r.name} (generated)`, filter: sql, loc: where, expr: input, metrics: [input] };
      return gen;
    };
    const inputName = (i: MfMetricInput): string => (typeof i === 'string' ? i : i.name);

    const base = { name: r.name, description: r.description ?? '', ...(r.label !== undefined ? { label: r.label } : {}), loc };
    const t = r.type_params;
    const needs = (key: string, v: unknown): boolean => {
      if (v !== undefined) return true;
      bad(`a ${r.type} metric needs type_params.${key}`, at('type_params'));
      return false;
    };
    const refuse = (keys: readonly (keyof typeof t)[]): void => {
      for (const k of keys) if (t[k] !== undefined) bad(`type_params.${k} does not apply to a ${r.type} metric`, tp(k));
    };
    let metric: Metric | undefined;
    switch (r.type) {
      case 'simple':
      case 'cumulative': {
        refuse(['numerator', 'denominator', 'expr', 'metrics', 'conversion_type_params', ...(r.type === 'simple' ? (['window', 'grain_to_date', 'cumulative_type_params'] as const) : [])]);
        if (!needs('measure', t.measure)) break;
        const mr = measureRef(t.measure!, tp('measure'), typeof t.measure === 'string' ? tp('measure') : tp('measure', 'filter'));
        if (!mr) break;
        for (const [k, v, where] of [
          ['fill_nulls_with', t.fill_nulls_with ?? mr.obj?.fill_nulls_with, t.fill_nulls_with !== undefined ? tp('fill_nulls_with') : tp('measure', 'fill_nulls_with')],
          ['join_to_timespine', t.join_to_timespine ?? mr.obj?.join_to_timespine, t.join_to_timespine !== undefined ? tp('join_to_timespine') : tp('measure', 'join_to_timespine')],
        ] as const) {
          if (v !== undefined && v !== false) warn(`${k} is not applied`, where, 'Strata has no time spine: periods without rows are left out and missing values stay null');
        }
        const filter = combine([filterOf(r.filter, [mr.ref], at('filter')), mr.filter].filter((x): x is string => x !== null));
        if (r.type === 'simple') {
          metric = { ...base, type: 'simple', measure: mr.ref, filter };
          break;
        }
        const c = t.cumulative_type_params;
        const windowText = t.window ?? c?.window;
        const grain = t.grain_to_date ?? c?.grain_to_date;
        const wAt = t.window !== undefined ? tp('window') : tp('cumulative_type_params', 'window');
        const gAt = t.grain_to_date !== undefined ? tp('grain_to_date') : tp('cumulative_type_params', 'grain_to_date');
        if (c?.period_agg !== undefined) bad('period_agg is not supported', tp('cumulative_type_params', 'period_agg'), 'Strata computes the cumulative value at the grain of the query');
        if (windowText !== undefined && grain !== undefined) bad('takes window or grain_to_date, not both', wAt);
        const window = windowText === undefined ? null : parseInterval(windowText);
        if (windowText !== undefined && !window) bad(`window '${windowText}' is not an interval like '7 days'`, wAt);
        if (grain !== undefined && !(GRANULARITIES as readonly string[]).includes(grain)) bad(`grain_to_date '${grain}' is not supported`, gAt, `granularities: ${GRANULARITIES.join(', ')}`);
        metric = { ...base, type: 'cumulative', measure: mr.ref, filter, window: window ?? null, grainToDate: (grain as Granularity | undefined) ?? null };
        break;
      }
      case 'ratio': {
        refuse(['measure', 'expr', 'metrics', 'window', 'grain_to_date', 'cumulative_type_params', 'conversion_type_params']);
        if (!needs('numerator', t.numerator) || !needs('denominator', t.denominator)) break;
        const side = (k: 'numerator' | 'denominator'): string | undefined => {
          const i = t[k]!;
          const nm = inputName(i);
          if (!known(nm, tp(k))) return undefined;
          ensure(nm);
          return filteredInput(nm, k, typeof i === 'string' ? undefined : i.filter, tp(k));
        };
        const num = side('numerator');
        const den = side('denominator');
        if (!num || !den) break;
        const filter = filterOf(r.filter, [...measuresOf(metrics, num), ...measuresOf(metrics, den)], at('filter'));
        metric = { ...base, type: 'ratio', numerator: num, denominator: den, filter };
        break;
      }
      case 'derived': {
        refuse(['measure', 'numerator', 'denominator', 'window', 'grain_to_date', 'cumulative_type_params', 'conversion_type_params']);
        if (!needs('expr', t.expr) || !needs('metrics', t.metrics)) break;
        const rename = new Map<string, string>();
        t.metrics!.forEach((i, n) => {
          const where = tp('metrics', n);
          const nm = inputName(i);
          const obj = typeof i === 'string' ? undefined : i;
          if (obj?.offset_window !== undefined || obj?.offset_to_grain !== undefined) {
            bad(`${obj.offset_window !== undefined ? 'offset_window' : 'offset_to_grain'} is not supported`, tp('metrics', n, obj.offset_window !== undefined ? 'offset_window' : 'offset_to_grain'), 'Strata has no time offsets in derived metrics; query the earlier period with its own time_range');
            rename.set(obj.alias ?? nm, nm);
            return;
          }
          if (!known(nm, where)) return;
          ensure(nm);
          const key = obj?.alias ?? nm;
          if (rename.has(key)) {
            bad(`'${key}' is listed twice among its metrics`, where, 'give one of them an alias');
            return;
          }
          rename.set(key, filteredInput(nm, key, obj?.filter, where));
        });
        const expr = substituteIdentifiers(t.expr!, (w) => rename.get(w));
        for (const id of expressionIdentifiers(t.expr!)) {
          if (!rename.has(id)) bad(`'${id}' in expr '${t.expr}' is not one of its metrics (or their aliases)`, tp('expr'), didYouMean(id, [...rename.keys()]) ?? `list it under type_params.metrics`, 'unknown-member');
        }
        const ids = expressionIdentifiers(expr);
        const filter = filterOf(r.filter, ids.flatMap((x) => measuresOf(metrics, x)), at('filter'));
        metric = { ...base, type: 'derived', expr, metrics: ids, filter };
        break;
      }
      case 'conversion': {
        refuse(['measure', 'numerator', 'denominator', 'expr', 'metrics', 'window', 'grain_to_date', 'cumulative_type_params']);
        if (!needs('conversion_type_params', t.conversion_type_params)) break;
        const c = t.conversion_type_params!;
        const cp = (...p: (string | number)[]): SourceLocation => tp('conversion_type_params', ...p);
        const b = measureRef(c.base_measure, cp('base_measure'), cp('base_measure'));
        const v = measureRef(c.conversion_measure, cp('conversion_measure'), cp('conversion_measure'));
        for (const [k, m] of [['base_measure', b], ['conversion_measure', v]] as const) {
          if (m?.obj?.filter !== undefined) bad(`a filter on ${k} is not supported`, cp(k, 'filter'), 'filter the whole metric with filter:, or declare a measure over the filtered rows (expr: case when … then … end)');
        }
        if (c.constant_properties !== undefined) bad('constant_properties are not supported', cp('constant_properties'));
        const window = c.window === undefined ? undefined : parseInterval(c.window);
        if (c.window === undefined) bad('a conversion metric needs conversion_type_params.window', e.y.locate([...e.path, 'type_params', 'conversion_type_params'], { key: true }), "e.g. window: '7 days'");
        else if (!window) bad(`window '${c.window}' is not an interval like '7 days'`, cp('window'));
        if (!b || !v) break;
        const entityCol = (ref: MeasureRef, k: string): string | undefined => {
          const m = models[ref.model]!;
          const e = m.entities?.[c.entity];
          if (!e) {
            bad(`entity '${c.entity}' is not an entity of '${ref.model}' (the model of ${k})`, cp('entity'), didYouMean(c.entity, Object.keys(m.entities ?? {})) ?? `entities: ${Object.keys(m.entities ?? {}).join(', ') || '(none)'}`, 'unknown-member');
            return undefined;
          }
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.expr)) {
            bad(`entity '${c.entity}' of '${ref.model}' is the expression '${e.expr}'; conversion metrics need a column`, cp('entity'));
            return undefined;
          }
          const time = m.measures[ref.measure]!.aggTime;
          if (time && time !== m.defaultTime) bad(`${k} '${ref.measure}' is aggregated over '${time}', not the model's default time dimension '${m.defaultTime}'`, cp(k), 'conversions are timed by defaults.agg_time_dimension');
          return e.expr;
        };
        const col1 = entityCol(b.ref, 'base_measure');
        const col2 = entityCol(v.ref, 'conversion_measure');
        if (col1 && col2 && col1 !== col2) bad(`entity '${c.entity}' is column '${col1}' in '${b.ref.model}' but '${col2}' in '${v.ref.model}'`, cp('entity'), 'conversion metrics need the same column name in both models');
        if (!col1 || !col2 || !window) break;
        const filter = filterOf(r.filter, [b.ref], at('filter'));
        metric = { ...base, type: 'conversion', entity: col1, base: b.ref, conversion: v.ref, window, calculation: c.calculation, filter };
        break;
      }
    }
    state.set(r.name, 'done');
    if (metric && !failed) metrics[r.name] = metric;
  };
  for (const e of entries) {
    if (before.has(e.raw.name) || byName.get(e.raw.name) !== e) {
      diags.push(error('semantic-invalid', `metric '${e.raw.name}' is defined twice`, { ...e.y.locate(e.path) }));
      continue;
    }
    build(e);
  }
}

function combine(filters: readonly string[]): string | null {
  if (filters.length === 0) return null;
  if (filters.length === 1) return filters[0]!;
  return filters.map((f) => `(${f})`).join(' and ');
}

/** MetricFlow `saved_queries:` → named queries in Strata member names. */
export function buildSavedQueries(
  entries: readonly LocatedEntry<MfSavedQuery>[],
  models: Readonly<Record<string, SemanticModel>>,
  paths: SemanticLayer['paths'],
  metrics: Readonly<Record<string, Metric>>,
  diags: Diagnostic[],
  /** Metric names declared (some may have failed to build: no follow-up error for those). */
  declared: readonly string[] = [],
  quiet = false,
): Record<string, SavedQuery> {
  const out: Record<string, SavedQuery> = nullRecord();
  const names = Object.keys(metrics);
  for (const e of entries) {
    const r = e.raw;
    const at = (...p: (string | number)[]): SourceLocation => e.y.locate([...e.path, ...p]);
    const qp = (...p: (string | number)[]): SourceLocation => at('query_params', ...p);
    let failed = false;
    const bad = (message: string, where: SourceLocation, hint?: string, code: 'semantic-invalid' | 'unknown-member' = 'semantic-invalid'): void => {
      failed = true;
      if (code === 'unknown-member' && quiet) return;
      diags.push(error(code, `saved query '${r.name}': ${message}`, { ...where, ...(hint ? { hint } : {}) }));
    };
    if (out[r.name]) {
      bad('is defined twice', at(), 'saved query names are global');
      continue;
    }
    const measures: MeasureRef[] = [];
    r.query_params.metrics.forEach((m, i) => {
      if (!metrics[m] && declared.includes(m)) failed = true;
      else if (!metrics[m]) bad(`unknown metric '${m}'`, qp('metrics', i), didYouMean(m, names) ?? `metrics: ${names.join(', ')}`, 'unknown-member');
      else measures.push(...measuresOf(metrics, m));
    });
    const scope: TemplateScope = { models, paths, measures, what: `saved query '${r.name}'` };
    const dimensions: string[] = [];
    r.query_params.group_by.forEach((g, i) => {
      try {
        const member = translateGroupBy(scope, g);
        const problem = checkDimensionMember(models, member);
        if (problem) bad(problem.message, qp('group_by', i), problem.hint, 'unknown-member');
        else if (dimensions.includes(member)) bad(`'${g}' is listed twice in group_by`, qp('group_by', i));
        else dimensions.push(member);
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        bad(err.message, qp('group_by', i), err.hint, err.code);
      }
    });
    const filters: string[] = [];
    toList(r.query_params.where).forEach((w, i) => {
      try {
        filters.push(translateFilter(scope, String(w)));
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        bad(err.message, Array.isArray(r.query_params.where) ? qp('where', i) : qp('where'), err.hint, err.code);
      }
    });
    if (failed) continue;
    out[r.name] = {
      name: r.name,
      description: r.description ?? '',
      ...(r.label !== undefined ? { label: r.label } : {}),
      metrics: r.query_params.metrics,
      dimensions,
      filters,
      loc: at(),
    };
  }
  return out;
}
