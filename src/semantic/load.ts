import { nullRecord } from '../shared/records.js';
import { didYouMean, error, type Diagnostic } from '../diagnostics/index.js';
import { isRecord, parseYamlLocated, readNamedList, zodDiagnostics, type LocatedEntry, type SafeParser } from '../project/yaml-located.js';
import { computeJoinPaths } from './join-paths.js';
import { expressionIdentifiers, modelTokens, parseInterval } from './expressions.js';
import { rawAccess, rawHierarchy, rawMetric, rawRollup, rawSemanticModel, type RawMetric, type RawRollup, type RawSemanticModel } from './raw-schema.js';
import { validateRollups, type LocatedRollup } from './rollup-load.js';
import { isMetricFlowMetric, isMetricFlowModel, mfMetric, mfSavedQuery, mfSemanticModel, type MfMetric, type MfSavedQuery, type MfSemanticModel } from './metricflow-schema.js';
import { buildMetricFlowModel, inferMetricFlowJoins, preferShortestPaths, type MfModelInfo } from './metricflow.js';
import { buildMetricFlowMetrics, buildSavedQueries } from './metricflow-metrics.js';
import type {
  AccessRole,
  Dimension,
  Granularity,
  Hierarchy,
  Join,
  Measure,
  MeasureRef,
  Metric,
  NonAdditiveDimension,
  SavedQuery,
  SemanticLayer,
  SemanticModel,
  SourceLocation,
} from './types.js';
import { GRANULARITIES } from './types.js';
import { checkDimensionMember, checkMetricCycles, memberExists } from './load-checks.js';
export { checkDimensionMember } from './load-checks.js';
import { checkSql as parseCheck, qualifyColumns } from './sql-parser.js';

export interface SemanticSource {
  /** Project-relative path. */
  readonly file: string;
  readonly text: string;
}

export interface SemanticLoadOptions {
  /** Resolves `ref('name')` to the model's relation and unique id (undefined: unknown). */
  readonly resolveRef: (name: string) => { readonly relation: string; readonly uniqueId: string } | undefined;
  /** Names `ref()` could resolve to, for did-you-mean hints. */
  readonly refNames: readonly string[];
  /** Returns a syntax error message for a statement or undefined (default: libpg-query). */
  readonly checkExpression?: (sql: string) => string | undefined;
}

export const SEMANTIC_KEYS = ['semantic_models', 'metrics', 'hierarchies', 'access', 'rollups', 'saved_queries'] as const;

type Located<T> = LocatedEntry<T>;

/** A `semantic_models:` entry in either format, told apart by its keys (`isMetricFlowModel`). */
type AnyModel = { readonly kind: 'strata'; readonly raw: RawSemanticModel } | { readonly kind: 'metricflow'; readonly raw: MfSemanticModel };
type AnyMetric = { readonly kind: 'strata'; readonly raw: RawMetric } | { readonly kind: 'metricflow'; readonly raw: MfMetric };

/** Validates an entry with the schema of the format it is written in. */
function dispatch<A, B>(isB: (v: unknown) => boolean, a: SafeParser<A>, b: SafeParser<B>): SafeParser<{ kind: 'strata'; raw: A } | { kind: 'metricflow'; raw: B }> {
  return {
    safeParse(v: unknown) {
      if (isB(v)) {
        const r = b.safeParse(v);
        return r.success ? { success: true as const, data: { kind: 'metricflow' as const, raw: r.data } } : r;
      }
      const r = a.safeParse(v);
      return r.success ? { success: true as const, data: { kind: 'strata' as const, raw: r.data } } : r;
    },
  };
}

/**
 * Loads and validates the semantic layer from every YAML file holding its keys.
 * Every problem is a Diagnostic at the user's YAML line, with did-you-mean hints; the layer is
 * returned only when there are no errors.
 *
 * @example
 * const { layer, diagnostics } = loadSemanticLayer([{ file: 'semantic/sales.yml', text }], { resolveRef, refNames });
 */
export function loadSemanticLayer(
  sources: readonly SemanticSource[],
  opts: SemanticLoadOptions,
): { layer?: SemanticLayer; diagnostics: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const anyModels: Located<AnyModel>[] = [];
  const anyMetrics: Located<AnyMetric>[] = [];
  const rawSaved: Located<MfSavedQuery>[] = [];
  const rawHierarchies: Located<{ name: string; levels: string[] }>[] = [];
  let access: Located<ReturnType<typeof rawAccess.parse>> | undefined;
  const topRollups: Located<RawRollup>[] = [];
  let rejectedModels = false;

  for (const src of sources) {
    const y = parseYamlLocated(src.text, src.file);
    diags.push(...y.errors);
    if (!isRecord(y.value)) continue;
    const doc = y.value;
    const list = <T>(key: string, schema: SafeParser<T>, out: Located<T>[], label: string): void => {
      const r = readNamedList(y, key, schema, 'semantic-invalid', label);
      out.push(...r.entries);
      diags.push(...r.diagnostics);
      if (key === 'semantic_models' && r.diagnostics.length) rejectedModels = true;
    };
    list('semantic_models', dispatch(isMetricFlowModel, rawSemanticModel, mfSemanticModel), anyModels, 'semantic model');
    list('metrics', dispatch(isMetricFlowMetric, rawMetric, mfMetric), anyMetrics, 'metric');
    list('saved_queries', mfSavedQuery, rawSaved, 'saved query');
    list('hierarchies', rawHierarchy, rawHierarchies, 'hierarchy');
    list('rollups', rawRollup, topRollups, 'rollup');
    if (doc['access'] !== undefined) {
      const r = rawAccess.safeParse(doc['access']);
      if (!r.success) diags.push(...zodDiagnostics(r.error, y, ['access'], 'semantic-invalid'));
      else if (access) diags.push(error('semantic-invalid', `access is declared twice (also in ${access.y.file})`, { ...y.locate(['access'], { key: true }), hint: 'keep one access: block' }));
      else access = { raw: r.data, y, path: ['access'] };
    }
  }

  const rawModels: Located<RawSemanticModel>[] = anyModels.flatMap((m) => (m.raw.kind === 'strata' ? [{ raw: m.raw.raw, y: m.y, path: m.path }] : []));
  const mfModels: Located<MfSemanticModel>[] = anyModels.flatMap((m) => (m.raw.kind === 'metricflow' ? [{ raw: m.raw.raw, y: m.y, path: m.path }] : []));
  const rawMetrics: Located<RawMetric>[] = anyMetrics.flatMap((m) => (m.raw.kind === 'strata' ? [{ raw: m.raw.raw, y: m.y, path: m.path }] : []));
  const mfMetrics: Located<MfMetric>[] = anyMetrics.flatMap((m) => (m.raw.kind === 'metricflow' ? [{ raw: m.raw.raw, y: m.y, path: m.path }] : []));

  // --- models --------------------------------------------------------------------------------
  const models: Record<string, SemanticModel> = nullRecord();
  const modelNames = anyModels.map((m) => m.raw.raw.name);
  const mfInfos: MfModelInfo[] = [];
  const mfCtx = {
    diags,
    checkSql: (sql: string, at: SourceLocation) => checkSql(opts, sql, at, diags),
    fromRef: (text: string, at: SourceLocation, name: string) => resolveModelRef(text, at, name, opts, diags),
  };
  for (const m of anyModels) {
    let model: SemanticModel | undefined;
    if (m.raw.kind === 'strata') model = buildModel({ raw: m.raw.raw, y: m.y, path: m.path }, opts, diags);
    else {
      const info = buildMetricFlowModel({ raw: m.raw.raw, y: m.y, path: m.path }, mfCtx);
      if (info && !models[info.model.name]) mfInfos.push(info);
      model = info?.model;
    }
    if (!model) continue;
    if (models[model.name]) {
      diags.push(error('semantic-invalid', `semantic model '${model.name}' is defined twice (also ${models[model.name]!.loc.file}:${models[model.name]!.loc.line})`, { ...model.loc }));
      continue;
    }
    models[model.name] = model;
  }
  // A model left out (schema error, or refused) makes reference errors into follow-ups.
  if (Object.keys(models).length !== anyModels.length) rejectedModels = true;
  // MetricFlow models join along their entities; measure names are global among them.
  for (const [name, joins] of inferMetricFlowJoins(mfInfos, diags)) models[name] = { ...models[name]!, joins };
  const mfMeasureAt = new Map<string, SourceLocation>();
  for (const info of mfInfos) {
    for (const x of Object.values(info.model.measures)) {
      const first = mfMeasureAt.get(x.name);
      if (first) diags.push(error('semantic-invalid', `measure '${x.name}' of '${info.model.name}' is also declared at ${first.file}:${first.line}`, { ...x.loc, hint: 'MetricFlow measure names are global: rename one' }));
      else mfMeasureAt.set(x.name, x.loc);
    }
  }
  const checkTokens = (sql: string, at: SourceLocation, allowed?: readonly string[]): void => {
    for (const t of modelTokens(sql)) {
      const ok = allowed ? allowed.includes(t) : Boolean(models[t]);
      if (!ok) {
        diags.push(error('unknown-member', `unknown semantic model '{${t}}' in '${sql}'`, { ...at, hint: didYouMean(t, allowed ?? modelNames) ?? `models: ${modelNames.join(', ')}` }));
      }
    }
  };
  for (const model of Object.values(models)) {
    for (const j of model.joins) {
      if (!models[j.to]) {
        diags.push(error('unknown-member', `model '${model.name}' joins unknown semantic model '${j.to}'`, { ...j.loc, hint: didYouMean(j.to, modelNames) ?? `models: ${modelNames.join(', ')}` }));
        continue;
      }
      checkTokens(j.on, j.loc, [model.name, j.to]);
      checkSql(opts, `select 1 from a join b on ${stripTokens(j.on)}`, j.loc, diags);
    }
    for (const s of Object.values(model.segments)) {
      checkTokens(s.filter, s.loc);
      checkSql(opts, `select 1 where ${stripTokens(s.filter)}`, s.loc, diags);
    }
  }

  // --- metrics -------------------------------------------------------------------------------
  const metrics: Record<string, Metric> = nullRecord();
  const createdMetrics = mfModels.flatMap((m) => m.raw.measures.flatMap((x, i) => (x.create_metric ? [{ model: m.raw.name, measure: x.name, loc: m.y.locate([...m.path, 'measures', i, 'create_metric']) }] : [])));
  const metricNames = [...rawMetrics.map((m) => m.raw.name), ...mfMetrics.map((m) => m.raw.name), ...createdMetrics.map((c) => c.measure)];
  const { paths, diagnostics: pathDiags } = computeJoinPaths(models);
  diags.push(...preferShortestPaths(models, paths, pathDiags));
  const measureRef = (text: string, at: SourceLocation, what: string): MeasureRef | undefined => {
    const [mod, meas, ...rest] = text.split('.');
    if (!mod || !meas || rest.length) {
      diags.push(error('semantic-invalid', `${what} '${text}' must be <semantic_model>.<measure>`, { ...at }));
      return undefined;
    }
    const model = models[mod];
    if (!model) {
      diags.push(error('unknown-member', `${what} '${text}': unknown semantic model '${mod}'`, { ...at, hint: didYouMean(mod, modelNames) ?? `models: ${modelNames.join(', ')}` }));
      return undefined;
    }
    if (meas === 'count' && !model.measures[meas]) return { model: mod, measure: 'count' };
    if (!model.measures[meas]) {
      diags.push(error('unknown-member', `${what} '${text}': model '${mod}' has no measure '${meas}'`, { ...at, hint: didYouMean(meas, Object.keys(model.measures)) ?? `measures: ${Object.keys(model.measures).join(', ') || '(none)'}` }));
      return undefined;
    }
    return { model: mod, measure: meas };
  };
  for (const lm of rawMetrics) {
    const r = lm.raw;
    const loc = lm.y.locate(lm.path);
    const at = (key: string): SourceLocation => lm.y.locate([...lm.path, key]);
    if (metrics[r.name]) {
      diags.push(error('semantic-invalid', `metric '${r.name}' is defined twice`, { ...loc }));
      continue;
    }
    const base = { name: r.name, description: r.description, filter: r.filter ?? null, loc };
    if (r.filter) {
      checkTokens(r.filter, at('filter'));
      checkSql(opts, `select 1 where ${stripTokens(r.filter)}`, at('filter'), diags);
    }
    let metric: Metric | undefined;
    switch (r.type) {
      case 'simple': {
        const m = measureRef(r.measure, at('measure'), 'measure');
        if (m) metric = { ...base, type: 'simple', measure: m };
        break;
      }
      case 'ratio': {
        for (const k of ['numerator', 'denominator'] as const) {
          if (!metricNames.includes(r[k])) diags.push(error('unknown-member', `ratio metric '${r.name}': unknown metric '${r[k]}' as ${k}`, { ...at(k), hint: didYouMean(r[k], metricNames) ?? 'define it under metrics:' }));
        }
        metric = { ...base, type: 'ratio', numerator: r.numerator, denominator: r.denominator };
        break;
      }
      case 'derived': {
        const ids = expressionIdentifiers(r.expr);
        for (const id of ids) {
          if (!metricNames.includes(id)) diags.push(error('unknown-member', `derived metric '${r.name}': '${id}' in '${r.expr}' is not a metric`, { ...at('expr'), hint: didYouMean(id, metricNames) ?? `metrics: ${metricNames.join(', ')}` }));
        }
        checkSql(opts, `select ${r.expr}`, at('expr'), diags);
        metric = { ...base, type: 'derived', expr: r.expr, metrics: ids };
        break;
      }
      case 'cumulative': {
        const m = measureRef(r.measure, at('measure'), 'measure');
        const window = r.window === undefined ? null : parseInterval(r.window);
        if (r.window !== undefined && !window) diags.push(error('semantic-invalid', `window '${r.window}' is not an interval like '7 days'`, { ...at('window') }));
        if ((r.window === undefined) === (r.grain_to_date === undefined)) {
          diags.push(error('semantic-invalid', `cumulative metric '${r.name}' needs exactly one of window or grain_to_date`, { ...loc, hint: "e.g. grain_to_date: year (year to date) or window: '7 days' (rolling)" }));
        }
        if (m) metric = { ...base, type: 'cumulative', measure: m, window: window ?? null, grainToDate: r.grain_to_date ?? null };
        break;
      }
      case 'conversion': {
        const b = measureRef(r.base_measure, at('base_measure'), 'base_measure');
        const c = measureRef(r.conversion_measure, at('conversion_measure'), 'conversion_measure');
        const window = parseInterval(r.window);
        if (!window) diags.push(error('semantic-invalid', `window '${r.window}' is not an interval like '7 days'`, { ...at('window') }));
        for (const ref of [b, c]) {
          if (ref && !models[ref.model]!.defaultTime) diags.push(error('semantic-invalid', `conversion metric '${r.name}': model '${ref.model}' has no time dimension`, { ...loc, hint: 'add a dimension with type: time (or default_time_dimension)' }));
        }
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(r.entity)) diags.push(error('semantic-invalid', `conversion metric '${r.name}': entity '${r.entity}' must be a column name present in both models`, { ...at('entity') }));
        if (b && c && window) metric = { ...base, type: 'conversion', entity: r.entity, base: b, conversion: c, window, calculation: r.calculation };
        break;
      }
    }
    if (metric) metrics[r.name] = metric;
  }
  for (const c of createdMetrics) {
    if (!models[c.model]?.measures[c.measure]) continue;
    if (metricNames.filter((n) => n === c.measure).length > 1) {
      diags.push(error('semantic-invalid', `create_metric: a metric named '${c.measure}' is also defined under metrics`, { ...c.loc, hint: 'drop create_metric or rename the metric' }));
      continue;
    }
    metrics[c.measure] = { name: c.measure, type: 'simple', description: models[c.model]!.measures[c.measure]!.description, filter: null, measure: { model: c.model, measure: c.measure }, loc: c.loc };
  }
  const beforeMf = new Set(Object.keys(metrics));
  buildMetricFlowMetrics(mfMetrics, { models, paths, metrics, metricNames, diags, quiet: rejectedModels });
  // Translated filters and expressions get the same checks as Strata's own.
  for (const m of Object.values(metrics)) {
    if (beforeMf.has(m.name)) continue;
    if (m.filter) {
      checkTokens(m.filter, m.loc);
      checkSql(opts, `select 1 where ${stripTokens(m.filter)}`, m.loc, diags);
    }
    if (m.type === 'derived') checkSql(opts, `select ${m.expr}`, m.loc, diags);
  }
  checkMetricCycles(metrics, diags);
  const savedQueries: Record<string, SavedQuery> = buildSavedQueries(rawSaved, models, paths, metrics, diags, metricNames, rejectedModels);
  for (const sq of Object.values(savedQueries)) {
    for (const f of sq.filters) {
      checkTokens(f, sq.loc);
      checkSql(opts, `select 1 where ${stripTokens(f)}`, sq.loc, diags);
    }
  }

  // --- hierarchies and access ----------------------------------------------------------------
  const hierarchies: Record<string, Hierarchy> = nullRecord();
  for (const h of rawHierarchies) {
    const loc = h.y.locate(h.path);
    h.raw.levels.forEach((level, i) => {
      const problem = checkDimensionMember(models, level);
      if (problem) diags.push(error('unknown-member', `hierarchy '${h.raw.name}': ${problem.message}`, { ...h.y.locate([...h.path, 'levels', i]), ...(problem.hint ? { hint: problem.hint } : {}) }));
    });
    hierarchies[h.raw.name] = { name: h.raw.name, levels: h.raw.levels, loc };
  }
  let policy: SemanticLayer['access'] = null;
  if (access) {
    const roles: Record<string, AccessRole> = nullRecord();
    for (const [name, raw] of Object.entries(access.raw.roles)) {
      const loc = access.y.locate(['access', 'roles', name], { key: true });
      const r = raw ?? { hide: [], show_sql: false, model_filters: {}, unrestricted_models: [] };
      const at = (...path: (string | number)[]): SourceLocation => access!.y.locate(['access', 'roles', name, ...path]);
      const checkFilter = (sql: string, where: SourceLocation): void => {
        checkTokens(sql, where);
        checkSql(opts, `select 1 where ${stripTokens(sql).replace(/\{\{\s*user\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}/g, '$1')}`, where, diags);
      };
      if (r.row_filter) checkFilter(r.row_filter, at('row_filter'));
      const modelFilters: Record<string, string> = nullRecord();
      for (const [model, sql] of Object.entries(r.model_filters)) {
        if (!models[model]) {
          diags.push(error('unknown-member', `role '${name}' has a filter for unknown semantic model '${model}'`, { ...at('model_filters', model), hint: didYouMean(model, modelNames) ?? `models: ${modelNames.join(', ')}` }));
          continue;
        }
        checkFilter(sql, at('model_filters', model));
        for (const t of modelTokens(sql)) {
          if (t !== model && models[t] && !paths[model]?.[t]) {
            diags.push(error('semantic-invalid', `role '${name}': the filter for '${model}' reads '{${t}}', which '${model}' cannot reach through many-to-one joins`, { ...at('model_filters', model), hint: `filter on columns of '${model}' or of models it joins to` }));
          }
        }
        modelFilters[model] = sql;
      }
      r.unrestricted_models.forEach((model, i) => {
        if (!models[model]) diags.push(error('unknown-member', `role '${name}' lists unknown semantic model '${model}' in unrestricted_models`, { ...at('unrestricted_models', i), hint: didYouMean(model, modelNames) ?? `models: ${modelNames.join(', ')}` }));
      });
      r.hide.forEach((member, i) => {
        if (!memberExists(models, metrics, member)) {
          diags.push(error('unknown-member', `role '${name}' hides unknown member '${member}'`, { ...access!.y.locate(['access', 'roles', name, 'hide', i]), hint: 'use model.dimension, model.measure or a metric name' }));
        }
      });
      // Feature values are per-entity rows a row filter cannot restrict, so a row-filtered role
      // gets features only when the policy says so explicitly.
      const features = r.features === undefined ? (r.row_filter ? 'none' : 'all') : r.features === true ? 'all' : r.features === false ? 'none' : r.features;
      roles[name] = { name, rowFilter: r.row_filter ?? null, modelFilters, unrestrictedModels: r.unrestricted_models, hide: r.hide, showSql: r.show_sql, features, loc };
    }
    const dr = access.raw.default_role;
    if (dr !== 'none' && !roles[dr]) diags.push(error('unknown-member', `default_role '${dr}' is not a role`, { ...access.y.locate(['access', 'default_role']), hint: didYouMean(dr, Object.keys(roles)) ?? "use 'none' or a role name" }));
    policy = { roles, defaultRole: dr };
  }

  const locatedRollups: LocatedRollup[] = [
    ...rawModels.flatMap((m) =>
      m.raw.rollups.map((raw, i): LocatedRollup => {
        const base = [...m.path, 'rollups', i];
        return { raw, parent: m.raw.name, loc: m.y.locate(base), at: (k, j) => m.y.locate(j === undefined ? [...base, k] : [...base, k, j]) };
      }),
    ),
    ...topRollups.map((r): LocatedRollup => ({ raw: r.raw, loc: r.y.locate(r.path), at: (k, j) => r.y.locate(j === undefined ? [...r.path, k] : [...r.path, k, j]) })),
  ];
  const rollups = validateRollups(locatedRollups, models, paths, diags);
  if (diags.some((d) => d.severity === 'error')) return { diagnostics: diags };
  return { layer: { models, metrics, hierarchies, access: policy, paths, rollups, savedQueries }, diagnostics: diags };
}

function buildModel(m: Located<RawSemanticModel>, opts: SemanticLoadOptions, diags: Diagnostic[]): SemanticModel | undefined {
  const r = m.raw;
  const loc = m.y.locate(m.path);
  const at = (...p: (string | number)[]): SourceLocation => m.y.locate([...m.path, ...p]);
  const given = [r.model, r.table, r.sql].filter((x) => x !== undefined).length;
  if (given !== 1) {
    diags.push(error('semantic-invalid', `semantic model '${r.name}' needs exactly one of model, table or sql`, { ...loc, hint: "model: ref('fact_sales')" }));
    return undefined;
  }
  let from = '';
  const dependsOn: string[] = [];
  if (r.model !== undefined) {
    const src = resolveModelRef(r.model, at('model'), r.name, opts, diags);
    if (!src) return undefined;
    from = src.from;
    dependsOn.push(...src.dependsOn);
  } else if (r.table !== undefined) {
    from = r.table
      .split('.')
      .map((p) => `"${p.replace(/^"|"$/g, '').replace(/"/g, '""')}"`)
      .join('.');
  } else {
    checkSql(opts, r.sql!, at('sql'), diags);
    from = `(${r.sql})`;
  }
  const dimensions: Record<string, Dimension> = nullRecord();
  r.dimensions.forEach((d, i) => {
    if (dimensions[d.name]) diags.push(error('semantic-invalid', `dimension '${d.name}' is defined twice in '${r.name}'`, { ...at('dimensions', i) }));
    const expr = d.expr ?? d.name;
    checkSql(opts, `select ${expr}`, at('dimensions', i, d.expr ? 'expr' : 'name'), diags);
    dimensions[d.name] = {
      name: d.name,
      type: d.type,
      expr,
      sql: qualifyColumns(expr),
      granularities: d.type === 'time' ? (d.granularities ?? [...GRANULARITIES]) : [],
      description: d.description,
      loc: at('dimensions', i),
    };
  });
  const measures: Record<string, Measure> = nullRecord();
  r.measures.forEach((x, i) => {
    if (measures[x.name] || dimensions[x.name]) diags.push(error('semantic-invalid', `member '${x.name}' is defined twice in '${r.name}'`, { ...at('measures', i) }));
    if (x.expr === undefined && x.agg !== 'count') diags.push(error('semantic-invalid', `measure '${x.name}' (${x.agg}) needs an expr`, { ...at('measures', i) }));
    if (x.expr) checkSql(opts, `select ${x.expr}`, at('measures', i, 'expr'), diags);
    const expr = x.expr ?? '*';
    let nonAdditive: NonAdditiveDimension | null = null;
    const na = x.non_additive_dimension;
    if (na) {
      const times = Object.values(dimensions).filter((d) => d.type === 'time').map((d) => d.name);
      if (dimensions[na.name]?.type !== 'time') diags.push(error('unknown-member', `measure '${x.name}': non_additive_dimension '${na.name}' is not a time dimension of '${r.name}'`, { ...at('measures', i, 'non_additive_dimension', 'name'), hint: didYouMean(na.name, times) ?? (times.length ? `time dimensions: ${times.join(', ')}` : 'declare a dimension with type: time') }));
      na.window_groupings.forEach((g, j) => {
        if (!dimensions[g]) diags.push(error('unknown-member', `measure '${x.name}': window_groupings '${g}' is not a dimension of '${r.name}'`, { ...at('measures', i, 'non_additive_dimension', 'window_groupings', j), hint: didYouMean(g, Object.keys(dimensions)) ?? `dimensions: ${Object.keys(dimensions).join(', ')}` }));
      });
      nonAdditive = { dimension: na.name, windowChoice: na.window_choice, windowGroupings: na.window_groupings };
    }
    measures[x.name] = { name: x.name, agg: x.agg, expr, sql: expr === '*' ? '*' : qualifyColumns(expr), description: x.description, loc: at('measures', i), nonAdditive };
  });
  const joins: Join[] = r.joins.map((j, i) => ({ to: j.to, relationship: j.relationship, on: j.on, loc: at('joins', i) }));
  const segments: Record<string, { filter: string; loc: SourceLocation }> = nullRecord();
  r.segments.forEach((s, i) => (segments[s.name] = { filter: s.filter, loc: at('segments', i) }));
  const times = Object.values(dimensions).filter((d) => d.type === 'time');
  let defaultTime = times[0]?.name ?? null;
  if (r.default_time_dimension !== undefined) {
    if (dimensions[r.default_time_dimension]?.type !== 'time') {
      diags.push(error('unknown-member', `default_time_dimension '${r.default_time_dimension}' is not a time dimension of '${r.name}'`, { ...at('default_time_dimension'), hint: didYouMean(r.default_time_dimension, times.map((t) => t.name)) ?? 'declare it with type: time' }));
    } else defaultTime = r.default_time_dimension;
  }
  for (const [k, x] of Object.entries(measures)) measures[k] = { ...x, aggTime: defaultTime };
  return {
    name: r.name,
    from,
    dependsOn,
    primaryKey: r.primary_key ?? null,
    description: r.description,
    joins,
    dimensions,
    measures,
    segments,
    defaultTime,
    loc,
  };
}

/** `model: ref('x')` → the relation and lineage; undefined (with a diagnostic) when malformed. */
function resolveModelRef(text: string, at: SourceLocation, name: string, opts: SemanticLoadOptions, diags: Diagnostic[]): { from: string; dependsOn: string[] } | undefined {
  const ref = /^\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*$/.exec(text);
  if (!ref) {
    diags.push(error('semantic-invalid', `model: '${text}' must be ref('<model name>')`, { ...at }));
    return undefined;
  }
  const target = opts.resolveRef(ref[1]!);
  if (!target) {
    diags.push(error('ref-not-found', `semantic model '${name}' refers to '${ref[1]}', which does not exist`, { ...at, hint: didYouMean(ref[1]!, opts.refNames) ?? 'create the model or fix the name' }));
    // Keep validating the rest of the model so one typo does not cascade into more errors.
    return { from: `"${ref[1]!.replace(/"/g, '""')}"`, dependsOn: [] };
  }
  return { from: target.relation, dependsOn: [target.uniqueId] };
}

function checkSql(opts: SemanticLoadOptions, sql: string, at: SourceLocation, diags: Diagnostic[]): void {
  const problem = (opts.checkExpression ?? parseCheck)(sql);
  if (problem) diags.push(error('expression-invalid', `invalid SQL expression: ${problem}`, { ...at, hint: 'expressions are PostgreSQL SQL in the model\'s own scope; use {model}.column for other models' }));
}

/** `{sales}.x` → `sales.x` so the expression parses as plain SQL. */
function stripTokens(sql: string): string {
  return sql.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, '$1');
}
