/**
 * Feature YAML → a validated FeatureRegistry, every problem a located Diagnostic.
 */
import { didYouMean, error, type Diagnostic } from '../diagnostics/index.js';
import { isRecord, parseYamlLocated, readNamedList, zodDiagnostics, type LocatedEntry, type SafeParser, type YamlPath } from '../project/yaml-located.js';
import { ident } from '../planner/sql.js';
import { parseDuration } from './duration.js';
import { nullRecord, own } from '../shared/records.js';
import { rawEntity, rawFeature, rawFeatureService, rawFeatureView, type RawEntity, type RawFeatureService, type RawFeatureView } from './raw-schema.js';
import {
  FEATURE_TYPES,
  type Entity,
  type Feature,
  type FeatureRegistry,
  type FeatureService,
  type FeatureSource,
  type FeatureType,
  type FeatureView,
  type ImputeSpec,
  type SourceLocation,
} from './types.js';

export const FEATURE_KEYS = ['entities', 'feature_views', 'feature_services'] as const;

export interface FeatureYamlSource {
  /** Project-relative path. */
  readonly file: string;
  readonly text: string;
}

export interface FeatureLoadOptions {
  /** `<project>.<schema>`: online-store key prefix. */
  readonly namespace: string;
  /** Resolves `ref('name')` to the model's relation and unique id. */
  readonly resolveRef: (name: string) => { readonly relation: string; readonly uniqueId: string } | undefined;
  readonly refNames: readonly string[];
}

type Located<T> = LocatedEntry<T>;

const TYPE_ALIASES: Readonly<Record<string, FeatureType>> = {
  int: 'int64', integer: 'int64', bigint: 'int64', float: 'float64', double: 'float64', numeric: 'float64',
  text: 'string', str: 'string', boolean: 'bool',
};

/**
 * Loads and validates entities, feature views and feature services from every YAML file that
 * declares them. The registry is returned only when there are no errors.
 *
 * @example
 * const { registry, diagnostics } = loadFeatureRegistry([{ file: 'semantic/features.yml', text }],
 *   { namespace: 'shop.analytics', resolveRef: (n) => ({ relation: '"analytics"."customer_daily"', uniqueId: `model.shop.${n}` }), refNames: [] });
 * registry.views.customer_features.source // { kind: 'relation', relation: '"analytics"."customer_daily"', ref: 'customer_daily' }
 */
export function loadFeatureRegistry(
  sources: readonly FeatureYamlSource[],
  opts: FeatureLoadOptions,
): { registry?: FeatureRegistry; diagnostics: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const ents: Located<RawEntity>[] = [];
  const views: Located<RawFeatureView>[] = [];
  const services: Located<RawFeatureService>[] = [];
  const rejected = new Set<string>();
  for (const src of sources) {
    const y = parseYamlLocated(src.text, src.file);
    diags.push(...y.errors);
    if (!isRecord(y.value)) continue;
    const list = <T>(key: string, schema: SafeParser<T>, out: Located<T>[], label: string): void => {
      const r = readNamedList(y, key, schema, 'feature-invalid', label);
      out.push(...r.entries);
      diags.push(...r.diagnostics);
      for (const n of r.rejected) rejected.add(n);
    };
    list('entities', rawEntity, ents, 'entity');
    list('feature_views', rawFeatureView, views, 'feature view');
    list('feature_services', rawFeatureService, services, 'feature service');
  }

  // Prototype-free: a request naming `constructor` or `__proto__` finds nothing.
  const entities: Record<string, Entity> = nullRecord();
  for (const e of ents) {
    const loc = at(e, ['name']);
    const prev = own(entities, e.raw.name);
    if (prev) {
      diags.push(error('feature-invalid', `entity '${e.raw.name}' is defined twice (also ${where(prev.loc)})`, { ...loc }));
      continue;
    }
    entities[e.raw.name] = { name: e.raw.name, joinKeys: e.raw.join_keys, description: e.raw.description, loc };
  }

  const outViews: Record<string, FeatureView> = nullRecord();
  for (const v of views) {
    const view = buildView(v, entities, opts, diags);
    if (!view) continue;
    const prev = own(outViews, view.name);
    if (prev) {
      diags.push(error('feature-invalid', `feature view '${view.name}' is defined twice (also ${where(prev.loc)})`, { ...view.loc }));
      continue;
    }
    outViews[view.name] = view;
  }

  const failedViews = new Set([...rejected, ...views.map((v) => v.raw.name).filter((n) => !own(outViews, n))]);
  const outServices: Record<string, FeatureService> = nullRecord();
  for (const s of services) {
    const loc = at(s, ['name']);
    const refs = s.raw.features.flatMap((text, i) => {
      // A view that failed validation was reported already; no cascade of errors for it.
      if (failedViews.has(text.split(':')[0]!)) return [];
      const r = resolveFeatureRef(text, outViews, at(s, ['features', i]));
      if ('diagnostic' in r) {
        diags.push(r.diagnostic);
        return [];
      }
      return r.refs;
    });
    if (own(outServices, s.raw.name)) {
      diags.push(error('feature-invalid', `feature service '${s.raw.name}' is defined twice`, { ...loc }));
      continue;
    }
    outServices[s.raw.name] = {
      name: s.raw.name,
      description: s.raw.description,
      ...(s.raw.owner ? { owner: s.raw.owner } : {}),
      tags: s.raw.tags,
      features: refs,
      loc,
    };
  }

  if (diags.some((d) => d.severity === 'error')) return { diagnostics: diags };
  return { registry: { namespace: opts.namespace, entities, views: outViews, services: outServices, trainingSets: nullRecord() }, diagnostics: diags };
}

function at(l: Located<unknown>, sub: YamlPath): SourceLocation {
  const p = l.y.locate([...l.path, ...sub]);
  return { file: p.file ?? l.y.file, line: p.line ?? 1, col: p.col ?? 1 };
}

function where(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}`;
}

function buildView(v: Located<RawFeatureView>, entities: Record<string, Entity>, opts: FeatureLoadOptions, diags: Diagnostic[]): FeatureView | undefined {
  const r = v.raw;
  const loc = at(v, ['name']);
  let ok = true;
  const fail = (d: Diagnostic): void => {
    diags.push({ ...d, message: `feature view '${r.name}': ${d.message}` });
    ok = false;
  };
  const entity = own(entities, r.entity);
  if (!entity) {
    const names = Object.keys(entities);
    fail(error('unknown-feature', `unknown entity '${r.entity}'`, { ...at(v, ['entity']), hint: didYouMean(r.entity, names) ?? (names.length ? `entities: ${names.join(', ')}` : 'declare it under entities:') }));
  }
  let ttlSeconds: number | undefined;
  if (r.ttl !== undefined) {
    ttlSeconds = parseDuration(r.ttl);
    if (ttlSeconds === undefined) fail(error('feature-invalid', `ttl '${r.ttl}' is not a duration`, { ...at(v, ['ttl']), hint: 'write e.g. 90d, 12h, 30m, 45s or 2w' }));
  }
  const source = parseSource(r.source, opts, at(v, ['source']), fail);
  const features: Feature[] = [];
  const seen = new Set<string>();
  r.features.forEach((raw, i) => {
    const p = rawFeature.safeParse(raw);
    if (!p.success) {
      diags.push(...zodDiagnostics(p.error, v.y, [...v.path, 'features', i], 'feature-invalid'));
      ok = false;
      return;
    }
    const f = p.data;
    const type = (FEATURE_TYPES as readonly string[]).includes(f.type) ? (f.type as FeatureType) : own(TYPE_ALIASES, f.type.toLowerCase());
    if (!type) {
      fail(error('feature-invalid', `feature '${f.name}' has unknown type '${f.type}'`, { ...at(v, ['features', i, 'type']), hint: didYouMean(f.type, FEATURE_TYPES) ?? `types: ${FEATURE_TYPES.join(', ')}` }));
      return;
    }
    if (seen.has(f.name)) fail(error('feature-invalid', `feature '${f.name}' is declared twice`, { ...at(v, ['features', i, 'name']) }));
    seen.add(f.name);
    if ([...(entity?.joinKeys ?? []), r.timestamp].includes(f.name)) {
      fail(error('feature-invalid', `feature '${f.name}' is a join key or the timestamp column`, { ...at(v, ['features', i, 'name']) }));
    }
    let impute: ImputeSpec | undefined;
    if (f.impute !== undefined) {
      impute = parseImpute(f.impute, type);
      if (!impute) {
        fail(error('feature-invalid', `feature '${f.name}': impute '${String(f.impute)}' does not fit type ${type}`, {
          ...at(v, ['features', i, 'impute']),
          hint: 'use zero, mean or median (numeric features) or a constant of the feature type',
        }));
      }
    }
    features.push({ name: f.name, type, description: f.description, tags: f.tags, ...(impute ? { impute } : {}) });
  });
  if (!ok || !entity || !source) return undefined;
  return {
    name: r.name,
    entity: entity.name,
    joinKeys: entity.joinKeys,
    source: source.source,
    timestamp: r.timestamp,
    ...(r.created_timestamp ? { createdTimestamp: r.created_timestamp } : {}),
    ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
    online: r.online,
    ...(r.owner ? { owner: r.owner } : {}),
    tags: r.tags,
    description: r.description,
    features,
    dependsOn: source.dependsOn,
    loc,
  };
}

const NUMERIC: readonly FeatureType[] = ['int32', 'int64', 'float32', 'float64'];

/** `impute:` value → spec (undefined when it does not fit the type). */
export function parseImpute(v: string | number | boolean, type: FeatureType): ImputeSpec | undefined {
  const numeric = NUMERIC.includes(type);
  if (v === 'zero' || v === 'mean' || v === 'median') return numeric ? { strategy: v } : undefined;
  if (typeof v === 'number') return numeric ? { strategy: 'constant', value: v } : undefined;
  if (typeof v === 'boolean') return type === 'bool' ? { strategy: 'constant', value: v } : undefined;
  if (numeric) return Number.isFinite(Number(v)) && v.trim() !== '' ? { strategy: 'constant', value: Number(v) } : undefined;
  return { strategy: 'constant', value: v };
}

function parseSource(
  text: string,
  opts: FeatureLoadOptions,
  loc: SourceLocation,
  fail: (d: Diagnostic) => void,
): { source: FeatureSource; dependsOn: string[] } | undefined {
  const ref = /^\s*ref\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?\)\s*$/.exec(text);
  if (ref) {
    const name = ref[2] ?? ref[1]!;
    const hit = opts.resolveRef(name);
    if (!hit) {
      fail(error('ref-not-found', `source refers to '${name}', which does not exist`, { ...loc, hint: didYouMean(name, opts.refNames) ?? 'ref() a model, seed or snapshot of this project' }));
      return undefined;
    }
    return { source: { kind: 'relation', relation: hit.relation, ref: name }, dependsOn: [hit.uniqueId] };
  }
  if (/^\s*(select|with)\b/i.test(text)) return { source: { kind: 'sql', sql: text.trim().replace(/;\s*$/, '') }, dependsOn: [] };
  if (/^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?$/.test(text.trim())) {
    return { source: { kind: 'relation', relation: text.trim().split('.').map(ident).join('.') }, dependsOn: [] };
  }
  fail(error('feature-invalid', `source '${text}' is not ref('model'), schema.table or a select statement`, { ...loc }));
  return undefined;
}

/**
 * `view:feature`, or `view:*` / `view` for all features of a view.
 *
 * @example resolveFeatureRef('customer_features:avg_order_value', views, loc) // { refs: [{ view, feature }] }
 */
export function resolveFeatureRef(
  text: string,
  views: Readonly<Record<string, FeatureView>>,
  loc: Partial<SourceLocation>,
): { refs: { view: string; feature: string }[] } | { diagnostic: Diagnostic } {
  const [viewName = '', feature, ...rest] = text.trim().split(':');
  const view = own(views, viewName);
  if (!view) {
    return { diagnostic: error('unknown-feature', `unknown feature view '${viewName}' in '${text}'`, { ...loc, hint: didYouMean(viewName, Object.keys(views)) ?? `views: ${Object.keys(views).join(', ') || '(none)'}` }) };
  }
  if (rest.length) return { diagnostic: error('unknown-feature', `'${text}' must be <view>:<feature>`, { ...loc }) };
  if (feature === undefined || feature === '*') return { refs: view.features.map((f) => ({ view: view.name, feature: f.name })) };
  if (!view.features.some((f) => f.name === feature)) {
    const names = view.features.map((f) => f.name);
    return { diagnostic: error('unknown-feature', `feature view '${viewName}' has no feature '${feature}'`, { ...loc, hint: didYouMean(feature, names) ?? `features: ${names.join(', ')}` }) };
  }
  return { refs: [{ view: view.name, feature }] };
}

