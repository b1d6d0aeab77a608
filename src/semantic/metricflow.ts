/**
 * dbt MetricFlow semantic models → Strata's IR: entities, dimensions and measures become the
 * same `SemanticModel` records Strata's own YAML produces, and joins are inferred from entities
 * (a foreign entity joins many-to-one to the model where it is primary or unique; a natural
 * entity of a model with validity_params joins on the key and the validity window).
 */
import { didYouMean, error, type Diagnostic } from '../diagnostics/index.js';
import type { LocatedEntry } from '../project/yaml-located.js';
import { nullRecord } from '../shared/records.js';
import { NATIVE_ONLY_MODEL_KEYS, type MfSemanticModel } from './metricflow-schema.js';
import { fanOutSafe, joinEdges } from './join-paths.js';
import { qualifyColumns } from './sql-parser.js';
import { GRANULARITIES, type Dimension, type Granularity, type Join, type Measure, type SemanticModel, type SourceLocation } from './types.js';

type EntityType = 'primary' | 'unique' | 'foreign' | 'natural';

export interface MfBuildContext {
  readonly diags: Diagnostic[];
  /** Syntax check of a statement (adds an `expression-invalid` diagnostic at `at`). */
  readonly checkSql: (sql: string, at: SourceLocation) => void;
  /** `ref('x')` → FROM item and lineage, or undefined (diagnostic already added). */
  readonly fromRef: (text: string, at: SourceLocation, model: string) => { from: string; dependsOn: string[] } | undefined;
}

/** What join inference needs besides the model itself. */
export interface MfModelInfo {
  readonly model: SemanticModel;
  /** Dimension names holding the SCD validity window (`validity_params`), when declared. */
  readonly validity: { readonly start: string; readonly end: string } | null;
  readonly entityLocs: Readonly<Record<string, SourceLocation>>;
}

/** `time_granularity: month` → the granularities a query may use (month, quarter, year). */
function grainsFrom(min: string | undefined): Granularity[] {
  const i = GRANULARITIES.indexOf((min ?? 'day') as Granularity);
  return i < 0 ? [...GRANULARITIES] : GRANULARITIES.slice(i);
}

/** `{self}.x` → `{model}.x`: an expression of the model, placed in a join condition. */
export function asToken(sql: string, model: string): string {
  return sql.replace(/\{self\}/g, `{${model}}`);
}

/**
 * One MetricFlow semantic model as IR. Entities become dimensions of the same name (MetricFlow
 * groups by them); categorical dimensions are strings; every measure gets its agg time dimension.
 * Joins are left empty: `inferMetricFlowJoins` adds them once every model is known.
 */
export function buildMetricFlowModel(m: LocatedEntry<MfSemanticModel>, ctx: MfBuildContext): MfModelInfo | undefined {
  const r = m.raw;
  const loc = m.y.locate(m.path);
  const at = (...p: (string | number)[]): SourceLocation => m.y.locate([...m.path, ...p]);
  const bad = (message: string, where: SourceLocation, hint?: string, code: 'semantic-invalid' | 'unknown-member' = 'semantic-invalid'): void => {
    ctx.diags.push(error(code, `semantic model '${r.name}': ${message}`, { ...where, ...(hint ? { hint } : {}) }));
  };
  const strataKeys = NATIVE_ONLY_MODEL_KEYS.filter((k) => (r as Record<string, unknown>)[k] !== undefined);
  for (const k of strataKeys) {
    const hint =
      k === 'joins' ? 'MetricFlow models join through their entities: declare a foreign entity here and the same entity as primary in the other model'
      : k === 'primary_key' ? 'declare the key as an entity with type: primary'
      : k === 'default_time_dimension' ? 'use defaults: { agg_time_dimension: <time dimension> }'
      : 'write this model in one format: Strata\'s own (docs/semantic-yaml.md) or MetricFlow\'s (entities, defaults)';
    bad(`'${k}' belongs to Strata's format, but this model is written in MetricFlow's (it has ${['entities', 'defaults', 'primary_entity'].filter((x) => (r as Record<string, unknown>)[x] !== undefined).join(', ') || 'MetricFlow keys'})`, m.y.locate([...m.path, k], { key: true }), hint);
  }
  if (strataKeys.length) return undefined;
  const src = ctx.fromRef(r.model, at('model'), r.name);
  if (!src) return undefined;

  const dimensions: Record<string, Dimension> = nullRecord();
  const entities: Record<string, { type: EntityType; expr: string }> = nullRecord();
  const entityLocs: Record<string, SourceLocation> = nullRecord();
  const taken = (n: string): boolean => Boolean(dimensions[n]);
  let primaryEntity: string | null = null;
  let primaryKey: string | null = null;
  r.entities.forEach((e, i) => {
    if (taken(e.name)) {
      bad(`'${e.name}' is declared twice (entity, dimension and measure names share one namespace)`, at('entities', i));
      return;
    }
    const expr = e.expr ?? e.name;
    ctx.checkSql(`select ${expr}`, at('entities', i, e.expr !== undefined ? 'expr' : 'name'));
    entities[e.name] = { type: e.type, expr };
    entityLocs[e.name] = at('entities', i);
    dimensions[e.name] = {
      name: e.name,
      type: 'string',
      expr,
      sql: qualifyColumns(expr),
      granularities: [],
      description: e.description ?? '',
      loc: at('entities', i),
      ...(e.label !== undefined ? { label: e.label } : {}),
    };
    if (e.type === 'primary') {
      if (primaryEntity) bad(`has two primary entities ('${primaryEntity}' and '${e.name}')`, at('entities', i), 'a model has one primary entity; make the other unique');
      else {
        primaryEntity = e.name;
        primaryKey = expr;
      }
    }
  });
  if (r.primary_entity !== undefined) {
    if (primaryEntity && primaryEntity !== r.primary_entity) bad(`primary_entity '${r.primary_entity}' differs from its primary entity '${primaryEntity}'`, at('primary_entity'));
    else primaryEntity = r.primary_entity;
  }

  let validityStart: string | undefined;
  let validityEnd: string | undefined;
  r.dimensions.forEach((d, i) => {
    if (taken(d.name)) {
      bad(`'${d.name}' is declared twice (entity, dimension and measure names share one namespace)`, at('dimensions', i));
      return;
    }
    const expr = d.expr ?? d.name;
    ctx.checkSql(`select ${expr}`, at('dimensions', i, d.expr !== undefined ? 'expr' : 'name'));
    if (d.type === 'categorical' && d.type_params !== undefined) bad(`categorical dimension '${d.name}' takes no type_params`, at('dimensions', i, 'type_params'));
    const v = d.type_params?.validity_params;
    if (v?.is_start) validityStart = d.name;
    if (v?.is_end) validityEnd = d.name;
    dimensions[d.name] = {
      name: d.name,
      type: d.type === 'time' ? 'time' : 'string',
      expr,
      sql: qualifyColumns(expr),
      granularities: d.type === 'time' ? grainsFrom(d.type_params?.time_granularity) : [],
      description: d.description ?? '',
      loc: at('dimensions', i),
      ...(d.label !== undefined ? { label: d.label } : {}),
    };
  });
  const times = Object.values(dimensions).filter((d) => d.type === 'time');
  const timeHint = (n: string): string => didYouMean(n, times.map((t) => t.name)) ?? (times.length ? `time dimensions: ${times.map((t) => t.name).join(', ')}` : 'declare a dimension with type: time');
  let defaultTime: string | null = times[0]?.name ?? null;
  const dflt = r.defaults?.agg_time_dimension;
  if (dflt !== undefined) {
    if (dimensions[dflt]?.type !== 'time') bad(`defaults.agg_time_dimension '${dflt}' is not a time dimension of the model`, at('defaults', 'agg_time_dimension'), timeHint(dflt), 'unknown-member');
    else defaultTime = dflt;
  }

  const measures: Record<string, Measure> = nullRecord();
  r.measures.forEach((x, i) => {
    const mat = (...p: (string | number)[]): SourceLocation => at('measures', i, ...p);
    if (taken(x.name) || measures[x.name]) {
      bad(`'${x.name}' is declared twice (entity, dimension and measure names share one namespace)`, mat());
      return;
    }
    const raw = x.expr ?? x.name;
    ctx.checkSql(`select ${raw}`, mat(x.expr !== undefined ? 'expr' : 'name'));
    const expr = x.agg === 'sum_boolean' ? `case when (${raw}) then 1 else 0 end` : raw;
    const aggTimeName = x.agg_time_dimension ?? dflt;
    let aggTime: string | null = null;
    if (aggTimeName === undefined) {
      bad(`measure '${x.name}' has no agg_time_dimension`, mat(), 'set agg_time_dimension on the measure or defaults: { agg_time_dimension: <time dimension> } on the model');
    } else if (dimensions[aggTimeName]?.type !== 'time') {
      if (x.agg_time_dimension !== undefined) bad(`measure '${x.name}': agg_time_dimension '${aggTimeName}' is not a time dimension of the model`, mat('agg_time_dimension'), timeHint(aggTimeName), 'unknown-member');
    } else aggTime = aggTimeName;
    let percentile: Measure['percentile'] = null;
    if (x.agg === 'median') percentile = { fraction: 0.5, discrete: false };
    if (x.agg === 'percentile') {
      const p = x.agg_params?.percentile;
      if (p === undefined) bad(`measure '${x.name}' (percentile) needs agg_params: { percentile: <0 to 1> }`, mat());
      else percentile = { fraction: p, discrete: x.agg_params?.use_discrete_percentile ?? false };
    } else if (x.agg_params !== undefined) bad(`measure '${x.name}': agg_params apply to percentile measures only`, mat('agg_params'));
    let nonAdditive: Measure['nonAdditive'] = null;
    if (x.non_additive_dimension) {
      const na = x.non_additive_dimension;
      if (dimensions[na.name]?.type !== 'time') bad(`measure '${x.name}': non_additive_dimension '${na.name}' is not a time dimension of the model`, mat('non_additive_dimension', 'name'), timeHint(na.name), 'unknown-member');
      na.window_groupings.forEach((g, j) => {
        if (!entities[g]) bad(`measure '${x.name}': window_groupings '${g}' is not an entity of the model`, mat('non_additive_dimension', 'window_groupings', j), didYouMean(g, Object.keys(entities)) ?? `entities: ${Object.keys(entities).join(', ') || '(none)'}`, 'unknown-member');
      });
      nonAdditive = { dimension: na.name, windowChoice: na.window_choice, windowGroupings: na.window_groupings };
    }
    const agg = x.agg === 'average' ? 'avg' : x.agg === 'sum_boolean' ? 'sum' : x.agg;
    measures[x.name] = {
      name: x.name,
      agg,
      expr,
      sql: qualifyColumns(expr),
      description: x.description ?? '',
      loc: mat(),
      aggTime,
      nonAdditive,
      percentile,
      ...(x.label !== undefined ? { label: x.label } : {}),
    };
  });
  if ((validityStart === undefined) !== (validityEnd === undefined)) {
    bad('validity_params need both a dimension with is_start: true and one with is_end: true', loc);
  }
  const model: SemanticModel = {
    name: r.name,
    from: src.from,
    dependsOn: src.dependsOn,
    primaryKey,
    description: r.description ?? '',
    joins: [],
    dimensions,
    measures,
    segments: nullRecord(),
    defaultTime,
    loc,
    format: 'metricflow',
    entities,
    primaryEntity,
  };
  return { model, validity: validityStart && validityEnd ? { start: validityStart, end: validityEnd } : null, entityLocs };
}

/**
 * Joins between MetricFlow models, from their entities as MetricFlow links them:
 * foreign → primary/unique: many_to_one; primary/unique ↔ primary/unique: one_to_one (declared
 * once, from the alphabetically first model); foreign → natural of an SCD model (validity_params):
 * many_to_one on the key and `start <= agg time < end` (end null = current). A natural entity
 * without validity_params is an error (only SCD models use natural keys).
 */
export function inferMetricFlowJoins(infos: readonly MfModelInfo[], diags: Diagnostic[]): Map<string, Join[]> {
  const out = new Map<string, Join[]>(infos.map((i) => [i.model.name, []]));
  const keyed = (t: EntityType): boolean => t === 'primary' || t === 'unique';
  for (const info of infos) {
    for (const [name, e] of Object.entries(info.model.entities ?? {})) {
      if (e.type === 'natural' && !info.validity) {
        diags.push(error('semantic-invalid', `semantic model '${info.model.name}': natural entity '${name}' needs validity_params (natural keys identify rows of a slowly changing dimension)`, { ...info.entityLocs[name]!, hint: 'mark the validity window with type_params: { validity_params: { is_start: true } } and { is_end: true } on two time dimensions, or make the entity primary or unique' }));
      }
    }
  }
  for (const a of infos) {
    const A = a.model;
    for (const [name, e] of Object.entries(A.entities ?? {})) {
      for (const b of infos) {
        const B = b.model;
        if (B.name === A.name) continue;
        const be = B.entities?.[name];
        if (!be) continue;
        const left = asToken(qualifyColumns(e.expr), A.name);
        const right = asToken(qualifyColumns(be.expr), B.name);
        const loc = a.entityLocs[name]!;
        if (e.type === 'foreign' && keyed(be.type)) {
          out.get(A.name)!.push({ to: B.name, relationship: 'many_to_one', on: `${left} = ${right}`, loc });
        } else if (keyed(e.type) && keyed(be.type) && A.name < B.name) {
          out.get(A.name)!.push({ to: B.name, relationship: 'one_to_one', on: `${left} = ${right}`, loc });
        } else if (e.type === 'foreign' && be.type === 'natural' && b.validity) {
          const time = A.defaultTime ? A.dimensions[A.defaultTime] : undefined;
          if (!time) {
            diags.push(error('semantic-invalid', `semantic model '${A.name}': joining '${B.name}' by its natural entity '${name}' needs the time of '${A.name}' rows`, { ...loc, hint: 'set defaults: { agg_time_dimension: <time dimension> }' }));
            continue;
          }
          const t = asToken(time.sql, A.name);
          const start = asToken(B.dimensions[b.validity.start]!.sql, B.name);
          const end = asToken(B.dimensions[b.validity.end]!.sql, B.name);
          out.get(A.name)!.push({ to: B.name, relationship: 'many_to_one', on: `${left} = ${right} and ${t} >= ${start} and (${t} < ${end} or ${end} is null)`, loc });
        }
      }
    }
  }
  return out;
}

/**
 * Join paths from MetricFlow models, preferring the fewest hops as MetricFlow does
 * (`customer__region` from order items goes through their own customer entity, not through the
 * order). Replaces those models' entries in `paths`, drops the ambiguity errors
 * `computeJoinPaths` raised for them, and reports an ambiguity only between equally short paths.
 */
export function preferShortestPaths(
  models: Readonly<Record<string, SemanticModel>>,
  paths: Record<string, Record<string, readonly string[]>>,
  pathDiags: readonly Diagnostic[],
): Diagnostic[] {
  const mf = Object.values(models).filter((m) => m.format === 'metricflow');
  if (mf.length === 0) return [...pathDiags];
  const at = (m: SemanticModel): string => `${m.loc.file}:${m.loc.line}:${m.loc.col}`;
  const mfLocs = new Set(mf.map(at));
  const kept = pathDiags.filter((d) => d.code !== 'ambiguous-join' || !mfLocs.has(`${d.file}:${d.line}:${d.col}`));
  const out = new Map<string, string[]>();
  for (const e of joinEdges(models).values()) if (fanOutSafe(e.relationship)) out.set(e.from, [...(out.get(e.from) ?? []), e.to].sort());
  for (const start of mf) {
    const best: Record<string, string[][]> = {};
    const walk = (node: string, path: string[]): void => {
      if (path.length >= 8) return;
      for (const next of out.get(node) ?? []) {
        if (next === start.name || path.includes(next)) continue;
        const p = [...path, next];
        const have = best[next];
        if (!have || have[0]!.length > p.length) best[next] = [p];
        else if (have[0]!.length === p.length) have.push(p);
        else continue;
        walk(next, p);
      }
    };
    walk(start.name, []);
    const mine: Record<string, readonly string[]> = {};
    for (const [to, cands] of Object.entries(best)) {
      const distinct = [...new Set(cands.map((c) => c.join('>')))];
      if (distinct.length === 1) mine[to] = cands[0]!;
      else {
        kept.push(error('ambiguous-join', `'${start.name}' reaches '${to}' along ${distinct.length} equally short entity paths: ${distinct.map((c) => [start.name, ...c.split('>')].join(' -> ')).join('; ')}`, { ...start.loc, hint: 'give the entities distinct names (role-playing entities) so one path remains' }));
      }
    }
    paths[start.name] = mine;
  }
  return kept;
}

/** Measure name → models declaring it (MetricFlow measure names are global). */
export function measureIndex(models: Readonly<Record<string, SemanticModel>>): Map<string, string[]> {
  const idx = new Map<string, string[]>();
  for (const m of Object.values(models)) for (const x of Object.keys(m.measures)) idx.set(x, [...(idx.get(x) ?? []), m.name]);
  return idx;
}
