/**
 * `ref`, `source`, `this`, `config`, `is_incremental` and `model`: the globals that record what a
 * node depends on and how it is configured.
 */
import { arg, splitArgs } from './call-args.js';
import { isPlainObject } from './python-methods.js';
import { Relation } from './relation.js';
import { failure, type RenderState } from './render-state.js';
import type { Engine } from './runtime.js';
import { requireState } from './runtime.js';
import type { RelationInfo, RendererOptions, RenderNode } from './types.js';

/** Convert template values to plain JSON for RenderResult.config. */
export function toPlainJson(v: unknown): unknown {
  if (v === undefined) return null;
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(toPlainJson);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== '__keywords') out[k] = toPlainJson(x);
    return out;
  }
  if (typeof v === 'function') return null;
  return String(v);
}

function mergedConfig(s: RenderState): Record<string, unknown> {
  return { ...s.node.config, ...s.config };
}

export interface RelationGlobals {
  readonly ref: (...a: unknown[]) => Relation;
  readonly source: (...a: unknown[]) => Relation;
  readonly config: ((...a: unknown[]) => string) & { readonly get: (...a: unknown[]) => unknown };
  readonly is_incremental: () => boolean;
  thisRelation(s: RenderState): Relation;
  modelDict(s: RenderState, source: string): Record<string, unknown>;
}

export function relationGlobals(engine: Engine, options: RendererOptions): RelationGlobals {
  const target = options.target;
  const fallback = (identifier: string, schema?: string): RelationInfo => ({
    database: String(target['database'] ?? target['dbname'] ?? ''),
    schema: schema ?? String(target['schema'] ?? ''),
    identifier,
  });
  // --empty: ref() and source() (never `this`) read zero rows
  const emptyLimit = options.flags?.empty === true ? 0 : null;
  const str = (s: RenderState, v: unknown, what: string): string => {
    if (typeof v === 'string') return v;
    throw failure(s, 'render-error', `${what} expects string arguments, got ${v === undefined ? 'undefined' : JSON.stringify(toPlainJson(v))}`);
  };

  const ref = (...raw: unknown[]): Relation => {
    const s = requireState(engine);
    const c = splitArgs(raw);
    if (c.args.length === 0 || c.args.length > 2) {
      throw failure(s, 'render-error', `ref() takes 1 or 2 arguments (model name, or package and model name), got ${c.args.length}`);
    }
    let name = str(s, c.args[c.args.length - 1], 'ref()');
    const pkg = c.args.length === 2 ? str(s, c.args[0], 'ref()') : null;
    // ref('m', v=2) / version=2: a model version, recorded as 'm.v2' (model names have no dots)
    const v = c.kwargs['v'] ?? c.kwargs['version'];
    if (v !== undefined && v !== null) name = `${name}.v${String(v)}`;
    if (!s.refs.some((r) => r.name === name && r.package === pkg)) s.refs.push({ name, package: pkg });
    const info = options.relationFor?.('ref', name, pkg) ?? fallback(name);
    return new Relation({ kind: 'ref', name, package: pkg }, info, null, emptyLimit);
  };

  const source = (...raw: unknown[]): Relation => {
    const s = requireState(engine);
    const c = splitArgs(raw);
    if (c.args.length !== 2) {
      throw failure(s, 'render-error', `source() takes 2 arguments (source name, table name), got ${c.args.length}`);
    }
    const src = str(s, c.args[0], 'source()');
    const table = str(s, c.args[1], 'source()');
    if (!s.sources.some((r) => r.source === src && r.table === table)) s.sources.push({ source: src, table });
    const info = options.relationFor?.('source', src, table) ?? fallback(table, src);
    return new Relation({ kind: 'source', source: src, table }, info, null, emptyLimit);
  };

  const configFn = (...raw: unknown[]): string => {
    const s = requireState(engine);
    const c = splitArgs(raw);
    for (const a of c.args) {
      if (!isPlainObject(a)) throw failure(s, 'render-error', 'config() takes keyword arguments or one dict');
      Object.assign(s.config, toPlainJson(a) as Record<string, unknown>);
    }
    Object.assign(s.config, toPlainJson(c.kwargs) as Record<string, unknown>);
    return '';
  };
  const config = Object.assign(configFn, {
    get: (...raw: unknown[]): unknown => {
      const s = requireState(engine);
      const c = splitArgs(raw);
      const key = String(arg(c, 0, 'name'));
      const v = mergedConfig(s)[key];
      return v === undefined ? arg(c, 1, 'default', null) : v;
    },
    require: (key: unknown): unknown => {
      const s = requireState(engine);
      const v = mergedConfig(s)[String(key)];
      if (v === undefined || v === null) {
        throw failure(s, 'config-invalid', `config '${String(key)}' is required for '${s.node.name}' but was not set`, {
          hint: `set it with {{ config(${String(key)}=...) }} or in the YAML config`,
        });
      }
      return v;
    },
    set: (key: unknown, value: unknown): string => {
      requireState(engine).config[String(key)] = toPlainJson(value);
      return '';
    },
    has_key: (key: unknown): boolean => mergedConfig(requireState(engine))[String(key)] !== undefined,
  });

  const is_incremental = (): boolean => {
    const s = requireState(engine);
    const cfg = mergedConfig(s);
    if (cfg['materialized'] !== 'incremental') return false;
    const fullRefresh = cfg['full_refresh'] === true || (cfg['full_refresh'] !== false && options.flags?.fullRefresh === true);
    if (fullRefresh) return false;
    return options.relationExists?.(s.node) === true;
  };

  const thisRelation = (s: RenderState): Relation => {
    const n: RenderNode = s.node;
    const alias = typeof s.config['alias'] === 'string' ? s.config['alias'] : n.alias;
    // qualified by the node's package: a package's model named like a root model is its own `this`
    const info = options.relationFor?.('ref', n.package_name, n.name) ?? { database: n.database, schema: n.schema, identifier: alias };
    return new Relation({ kind: 'ref', name: n.name, package: n.package_name }, info);
  };

  const modelDict = (s: RenderState, src: string): Record<string, unknown> => {
    const n = s.node;
    const cfg = mergedConfig(s);
    return {
      unique_id: n.unique_id,
      name: n.name,
      resource_type: n.resource_type,
      package_name: n.package_name,
      original_file_path: n.original_file_path,
      path: n.original_file_path,
      database: n.database,
      schema: n.schema,
      alias: n.alias,
      config: cfg,
      tags: Array.isArray(cfg['tags']) ? cfg['tags'] : [],
      raw_code: src,
      raw_sql: src,
    };
  };

  return { ref, source, config, is_incremental, thisRelation, modelDict };
}
