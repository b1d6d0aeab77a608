import { didYouMean, error, type Diagnostic } from '../diagnostics/index.js';
import type { ProjectFiles, SchemaFile, ColumnSpec } from '../project/types.js';
import type { Draft } from './drafts.js';
import { defaultAlias, refKey, splitRefKey } from './model-versions.js';
import type { RenderResult } from './jinja/types.js';
import { generateSchemaName, relationName, sha256, stableJson } from './node-config.js';
import type { Library } from './render-cache.js';
import { checkModelingNode, type ModelingNode } from './modeling-config.js';
import { injectCtes, resolvePlaceholders, type RelationTarget } from './resolve-relations.js';
import { applyEdits, compiledSourceMap, type SourceMap, type TextEdit } from './source-map.js';
import type { ColumnInfo, DocNode, MacroNode, Manifest, ManifestNode, NodeConfig, SourceNode } from './types.js';

export interface Rendered {
  /** Hook templates to render again at execution time (their parse was dynamic). */
  readonly rawHooks?: { readonly pre_hook?: readonly string[]; readonly post_hook?: readonly string[] };
  readonly draft: Draft;
  readonly result: RenderResult;
  readonly finalConfig: Readonly<Record<string, unknown>>;
  /** sha256 of stableJson(finalConfig), computed once and cached with the render. */
  readonly configHash?: string;
}

const RELATIONAL = new Set(['model', 'seed', 'snapshot']);

/** A project's own generate_schema_name / generate_alias_name (undefined: dbt's default). */
export interface NodeNaming {
  schema(d: Draft, config: Readonly<Record<string, unknown>>): string | undefined;
  alias(d: Draft, config: Readonly<Record<string, unknown>>): string | undefined;
}

/**
 * Second half of compilation: resolve refs/sources against the final (post-`config()`) node
 * identities, inline ephemerals and emit the Manifest. Unknown refs/sources become diagnostics
 * pointing at the `ref(...)` call in the user's file.
 */
export function assembleManifest(
  files: ProjectFiles,
  rendered: readonly Rendered[],
  sourceSpecs: readonly { file: string; spec: SchemaFile['sources'][number]; package?: string }[],
  library: Library,
  diagnostics: Diagnostic[],
  naming?: NodeNaming,
): Manifest {
  const project = files.config.name;
  const t = files.target;
  const docs = library.docs;
  const renderDocs = (text: string): string =>
    text.includes('doc(')
      ? text.replace(/\{\{\s*doc\(\s*['"]([^'"]+)['"]\s*\)\s*\}\}/g, (m, name: string) => docs[name]?.contents ?? m)
      : text;

  // Sources.
  const sources: Record<string, SourceNode> = {};
  // a source is found by (source, table); a package's own sources first for its nodes
  const sourceByName = new Map<string, SourceNode[]>();
  const findSource = (a: string, b: string, pkg: string): SourceNode | undefined => {
    const all = sourceByName.get(`${a}.${b}`) ?? [];
    return all.find((x) => x.package_name === pkg) ?? all.find((x) => x.package_name === project) ?? all[0];
  };
  for (const { file, spec: s, package: pkg } of sourceSpecs) {
    const owner = pkg ?? project;
    const id = `source.${owner}.${s.sourceName}.${s.name}`;
    const database = s.database ?? t.dbname;
    sources[id] = {
      unique_id: id,
      resource_type: 'source',
      name: s.name,
      source_name: s.sourceName,
      package_name: owner,
      identifier: s.identifier,
      database,
      schema: s.schema,
      relation_name: relationName(database, s.schema, s.identifier),
      description: renderDocs(s.description),
      source_description: renderDocs(s.sourceDescription),
      loader: s.loader ?? '',
      loaded_at_field: s.loadedAtField ?? null,
      freshness: s.freshness ?? null,
      columns: columnsOf(s.columns, renderDocs),
      meta: s.meta,
      tags: s.tags,
      config: s.config,
      original_file_path: file,
      fqn: [owner, ...file.split('/').slice(1, -1), s.sourceName, s.name],
      loc: { line: s.loc.line, col: s.loc.col },
    };
    const key = `${s.sourceName}.${s.name}`;
    sourceByName.set(key, [...(sourceByName.get(key) ?? []), sources[id]!]);
  }

  // Final identities of relational nodes.
  interface Ident {
    id: string;
    enabled: boolean;
    ephemeral: boolean;
    database: string;
    schema: string;
    alias: string;
  }
  const idents = new Map<string, Ident>();
  const versionsOf = new Map<string, string[]>();
  const identById = new Map<string, Ident>();
  /** `<package>.<name>`: for ref('pkg', 'x') and for `this` of a package's node. */
  const identByPackage = new Map<string, Ident>();
  for (const r of rendered) {
    const d = r.draft;
    if (!RELATIONAL.has(d.resourceType)) continue;
    const c = r.finalConfig;
    const ident: Ident = {
      id: d.id,
      enabled: c['enabled'] !== false,
      ephemeral: c['materialized'] === 'ephemeral',
      database: typeof c['database'] === 'string' ? c['database'] : t.dbname,
      schema:
        d.resourceType === 'snapshot' && typeof c['target_schema'] === 'string'
          ? c['target_schema']
          : (naming?.schema(d, c) ?? generateSchemaName(t.schema, c['schema'])),
      alias: naming?.alias(d, c) ?? (typeof c['alias'] === 'string' ? c['alias'] : defaultAlias(d)),
    };
    identById.set(d.id, ident);
    // a model version answers to 'm.v2', the latest one also to 'm' (ref('m'))
    const keys = d.version === undefined ? [d.name] : String(d.version) === String(d.latestVersion) ? [refKey(d), d.name] : [refKey(d)];
    if (d.version !== undefined) (versionsOf.get(d.name) ?? versionsOf.set(d.name, []).get(d.name)!).push(String(d.version));
    for (const key of keys) {
      const qualified = `${d.id.split('.')[1]}.${key}`;
      if (!identByPackage.has(qualified) || !identByPackage.get(qualified)!.enabled) identByPackage.set(qualified, ident);
      // the root project's drafts come first: an unqualified ref prefers its node over a package's
      if (idents.has(key) && idents.get(key)!.enabled) continue;
      idents.set(key, ident);
    }
  }
  const refNames = [...idents.keys()].filter((k) => !k.includes('.'));
  // Star-schema configs: checked here (final config known); a fact's dimensions become deps.
  const modelingNodes = new Map<string, ModelingNode>();
  for (const r of rendered) {
    const i = RELATIONAL.has(r.draft.resourceType) ? idents.get(refKey(r.draft)) : undefined;
    if (i) modelingNodes.set(refKey(r.draft), { draft: r.draft, config: r.finalConfig, schema: i.schema, alias: i.alias });
  }
  const modelingDeps = new Map<string, string[]>();
  const modelingConfig = new Map<string, Readonly<Record<string, unknown>>>();
  for (const m of modelingNodes.values()) {
    if (m.config['enabled'] === false) continue;
    const checked = checkModelingNode(m, modelingNodes);
    diagnostics.push(...checked.diagnostics);
    if (checked.depends.length) modelingDeps.set(m.draft.id, checked.depends);
    if (checked.config !== m.config) modelingConfig.set(m.draft.id, checked.config);
  }
  const macroHashes = new Map(library.macros.map((m) => [m.unique_name, m.hash]));

  // Check refs/sources, compute dependencies.
  const deps = new Map<string, string[]>();
  for (const r of rendered) {
    const d = r.draft;
    if (r.finalConfig['enabled'] === false) continue;
    const nodes: string[] = [];
    if (d.generic) nodes.push(d.generic.attachedTo);
    for (const ref of r.result.refs) {
      const target = (ref.package ? identByPackage.get(`${ref.package}.${ref.name}`) : undefined) ?? idents.get(ref.name);
      if (ref.package && target && target.id.split('.')[1] !== ref.package) {
        const installed = new Set([project, ...(files.packages ?? []).map((p) => p.name)]);
        diagnostics.push(located(d, 'ref', [ref.package, ref.name], 'ref-not-found',
          installed.has(ref.package)
            ? `${d.resourceType} '${d.name}' refers to '${ref.package}.${ref.name}', but '${ref.name}' belongs to '${target.id.split('.')[1]}'`
            : `${d.resourceType} '${d.name}' refers to '${ref.package}.${ref.name}', but package '${ref.package}' is not installed`,
          installed.has(ref.package) ? `use ref('${ref.name}')` : 'list the package in packages.yml and run `strata deps`'));
        continue;
      }
      const asked = splitRefKey(ref.name);
      if (!target && asked.version !== undefined) {
        const known = versionsOf.get(asked.name)?.slice().sort(byVersion);
        diagnostics.push(located(d, 'ref', [asked.name], 'ref-not-found',
          known
            ? `${d.resourceType} '${d.name}' refers to version ${asked.version} of '${asked.name}', which does not exist (versions: ${known.join(', ')})`
            : `${d.resourceType} '${d.name}' refers to version ${asked.version} of '${asked.name}', which is not a versioned model`,
          known ? `use one of v=${known.join(', v=')}, or add the version to its versions:` : (idents.has(asked.name) ? `use ref('${asked.name}')` : (didYouMean(asked.name, refNames) ?? 'create the model, or fix the name'))));
        continue;
      }
      if (!target) {
        diagnostics.push(located(d, 'ref', [ref.name], 'ref-not-found',
          `${d.resourceType} '${d.name}' refers to '${ref.name}', which does not exist`,
          didYouMean(ref.name, refNames) ?? 'create the model, seed or snapshot, or fix the name'));
        continue;
      }
      if (!target.enabled) {
        diagnostics.push(located(d, 'ref', [ref.name], 'ref-not-found',
          `${d.resourceType} '${d.name}' refers to '${ref.name}', which is disabled`,
          `enable '${ref.name}' or remove the reference`));
        continue;
      }
      if (target.id !== d.id && !nodes.includes(target.id)) nodes.push(target.id);
    }
    for (const s of r.result.sources) {
      const found = findSource(s.source, s.table, d.id.split('.')[1] ?? project);
      const id = found?.unique_id ?? `source.${project}.${s.source}.${s.table}`;
      if (!found) {
        const known = Object.values(sources);
        const sameSource = known.filter((k) => k.source_name === s.source);
        const hint = sameSource.length
          ? didYouMean(s.table, sameSource.map((k) => k.name)) ?? `tables of source '${s.source}': ${sameSource.map((k) => k.name).join(', ')}`
          : didYouMean(s.source, new Set(known.map((k) => k.source_name))) ?? `declare it under sources: in a schema .yml file`;
        diagnostics.push(located(d, 'source', [s.source, s.table], 'source-not-found',
          `${d.resourceType} '${d.name}' uses source('${s.source}', '${s.table}'), which is not declared`, hint));
        continue;
      }
      if (!nodes.includes(id)) nodes.push(id);
    }
    for (const id of modelingDeps.get(d.id) ?? []) if (id !== d.id && !nodes.includes(id)) nodes.push(id);
    deps.set(d.id, nodes);
  }

  // Resolve placeholders; remember which ephemerals each node reads directly.
  const lookup = (kind: 'ref' | 'src', a: string, b: string): RelationTarget | undefined => {
    if (kind === 'src') {
      const s = findSource(a, b, project);
      return s ? { kind: 'relation', sql: s.relation_name } : undefined;
    }
    const i = (a ? identByPackage.get(`${a}.${b}`) : undefined) ?? idents.get(b);
    if (!i) return undefined;
    return i.ephemeral
      ? { kind: 'ephemeral', name: b.replace(/\./g, '_'), id: i.id }
      : { kind: 'relation', sql: relationName(i.database, i.schema, i.alias) };
  };
  const bodies = new Map<string, { sql: string; ephemerals: string[]; map?: SourceMap }>();
  for (const r of rendered) {
    const eph: string[] = [];
    const edits: TextEdit[] = [];
    const sql = resolvePlaceholders(r.result.sql, lookup, (id) => {
      if (!eph.includes(id)) eph.push(id);
    }, (at, removed, inserted) => edits.push({ at, removed, inserted }));
    const map = r.result.sourceMap ? applyEdits(r.result.sourceMap, r.result.sql, edits) : undefined;
    bodies.set(r.draft.id, { sql, ephemerals: eph, ...(map ? { map } : {}) });
  }
  const nameOf = new Map([...idents.values()].map((i) => [i.id, i]));
  const withEphemerals = (id: string): string => {
    const own = bodies.get(id)!;
    if (own.ephemerals.length === 0) return own.sql;
    // Post-order walk so nested ephemerals are defined before the ones that read them.
    const order: string[] = [];
    const seen = new Set<string>();
    const visit = (e: string, path: string[]): void => {
      if (seen.has(e) || path.includes(e)) return;
      for (const n of bodies.get(e)?.ephemerals ?? []) visit(n, [...path, e]);
      seen.add(e);
      order.push(e);
    };
    for (const e of own.ephemerals) visit(e, [id]);
    return injectCtes(
      own.sql,
      order.map((e) => ({ name: aliasName(nameOf.get(e)?.id ?? e), sql: bodies.get(e)?.sql ?? '' })),
    );
  };

  // Nodes.
  const nodes: Record<string, ManifestNode> = {};
  const disabled: Record<string, ManifestNode[]> = {};
  for (const r of rendered) {
    const d = r.draft;
    const c = modelingConfig.get(d.id) ?? r.finalConfig;
    const ident = RELATIONAL.has(d.resourceType) ? identById.get(d.id) : undefined;
    const database = ident?.database ?? (typeof c['database'] === 'string' ? c['database'] : t.dbname);
    const schema = ident?.schema ?? generateSchemaName(t.schema, c['schema']);
    const alias = ident?.alias ?? (typeof c['alias'] === 'string' ? c['alias'] : defaultAlias(d));
    const enabled = c['enabled'] !== false;
    const config = resolveHookPlaceholders({ ...c, enabled }, lookup) as unknown as NodeConfig;
    const tags = Array.isArray(c['tags']) ? (c['tags'] as unknown[]).map(String) : [];
    const raw = d.generic ? genericRawCode(d) : d.body;
    const compiled = enabled && d.resourceType !== 'seed' ? withEphemerals(d.id) : null;
    const own = bodies.get(d.id);
    const sourceMap = compiled !== null && own?.map ? compiledSourceMap(own.map, own.sql, compiled) : undefined;
    const node: ManifestNode = {
      unique_id: d.id,
      resource_type: d.resourceType,
      name: d.name,
      package_name: d.id.split('.')[1] ?? project,
      path: d.path,
      original_file_path: d.file,
      fqn: d.fqn,
      database,
      schema,
      alias,
      relation_name:
        RELATIONAL.has(d.resourceType) && !ident?.ephemeral ? relationName(database, schema, alias) : null,
      config,
      tags,
      description: renderDocs(d.props?.description ?? ''),
      columns: columnsOf(d.props?.columns ?? [], renderDocs),
      // dbt merges a properties file's top-level `meta` into the node's meta (config meta first).
      meta: { ...((c['meta'] as Record<string, unknown> | undefined) ?? {}), ...(d.props?.meta ?? {}) },
      raw_code: raw,
      compiled_code: compiled,
      depends_on: {
        nodes: deps.get(d.id) ?? [],
        macros: [...r.result.macros].sort(),
      },
      refs: r.result.refs.map((x) => {
        const k = splitRefKey(x.name);
        return { name: k.name, package: x.package, ...(k.version !== undefined ? { version: k.version } : {}) };
      }),
      ...(d.resourceType === 'model' && d.version !== undefined ? { version: d.version, latest_version: d.latestVersion ?? null } : {}),
      sources: r.result.sources.map((x) => [x.source, x.table] as const),
      checksum: { name: 'sha256', checksum: d.generic ? sha256(raw) : d.fileHash && d.lineOffset === 0 ? d.fileHash : sha256(raw) },
      strata: {
        config_hash: r.configHash ?? sha256(stableJson(c)),
        macros_hash: sha256(
          [...r.result.macros].sort().map((m) => `${m}:${macroHashes.get(m) ?? ''}`).join(','),
        ),
        inputs_hash: sha256(stableJson([r.result.varsRead, r.result.envRead, r.result.readsTarget ? files.target.schema : null])),
        vars_read: Object.keys(r.result.varsRead).sort(),
        env_read: Object.keys(r.result.envRead).sort(),
        reads_target: r.result.readsTarget,
        ...(r.result.dynamic ? { dynamic: true } : {}),
        ...(r.rawHooks ? { raw_hooks: r.rawHooks } : {}),
        ...(sourceMap ? { source_map: sourceMap } : {}),
      },
      patch_path: d.patchPath,
      ...(d.generic
        ? {
            test_metadata: { name: d.generic.testName, namespace: d.generic.namespace, kwargs: d.generic.kwargs },
            column_name: d.generic.columnName,
            attached_node: d.generic.attachedTo,
          }
        : {}),
      loc: d.loc,
    };
    if (enabled) nodes[d.id] = node;
    else (disabled[d.id] ??= []).push(node);
  }
  // Tests on disabled nodes are dropped, as dbt does.
  for (const [id, n] of Object.entries(nodes)) {
    if (n.attached_node && !nodes[n.attached_node] && !sources[n.attached_node]) delete nodes[id];
  }

  const parent_map: Record<string, string[]> = {};
  const child_map: Record<string, string[]> = {};
  for (const id of [...Object.keys(nodes), ...Object.keys(sources)]) child_map[id] = [];
  for (const n of Object.values(nodes)) {
    parent_map[n.unique_id] = [...n.depends_on.nodes];
    for (const p of n.depends_on.nodes) child_map[p]?.push(n.unique_id);
  }
  for (const id of Object.keys(sources)) parent_map[id] = [];

  return {
    metadata: {
      dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json',
      strata_version: '0.1.0',
      generated_at: new Date().toISOString(),
      project_name: project,
      adapter_type: 'postgres',
      target_name: t.name,
    },
    nodes,
    sources,
    macros: macroNodes(library),
    docs: docNodes(library, project),
    disabled,
    parent_map,
    child_map,
    semantic: semanticDefs(files),
  };
}

function aliasName(id: string): string {
  return id.split('.').slice(2).join('.').replace(/\./g, '_');
}

function genericRawCode(d: Draft): string {
  const g = d.generic!;
  const args = Object.entries(g.kwargs)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  return `{{ ${g.namespace ? `${g.namespace}.` : ''}test_${g.testName}(${args}) }}`;
}

function columnsOf(cols: readonly ColumnSpec[], renderDocs: (s: string) => string): Record<string, ColumnInfo> {
  const out: Record<string, ColumnInfo> = {};
  for (const c of cols) {
    out[c.name] = { name: c.name, description: renderDocs(c.description), data_type: c.dataType ?? null, meta: c.meta, tags: c.tags };
  }
  return out;
}

function macroNodes(library: Library): Record<string, MacroNode> {
  const out: Record<string, MacroNode> = {};
  for (const m of library.macros) {
    const id = `macro.${m.unique_name}`;
    out[id] = {
      unique_id: id,
      resource_type: 'macro',
      name: m.name,
      package_name: m.package_name,
      original_file_path: m.original_file_path,
      macro_sql: m.macro_sql,
      arguments: m.arguments,
      loc: { line: m.line, col: m.col },
    };
  }
  return out;
}

function docNodes(library: Library, project: string): Record<string, DocNode> {
  const out: Record<string, DocNode> = {};
  for (const d of Object.values(library.docs)) {
    const id = `doc.${project}.${d.name}`;
    out[id] = { unique_id: id, name: d.name, package_name: project, original_file_path: d.original_file_path, block_contents: d.contents };
  }
  return out;
}

function semanticDefs(files: ProjectFiles): Record<string, unknown> {
  const out: Record<string, unknown[]> = {};
  for (const sf of files.schemaFiles) {
    for (const [k, v] of Object.entries(sf.other)) {
      if (!Array.isArray(v)) continue;
      (out[k] ??= []).push(...v.map((x: unknown) => (typeof x === 'object' && x !== null ? { ...x, __file: sf.path } : x)));
    }
  }
  return out;
}

/** A diagnostic at the `ref(...)`/`source(...)` call in the user's file (falls back to line 1). */
function located(
  d: Draft,
  fn: 'ref' | 'source',
  args: readonly string[],
  code: 'ref-not-found' | 'source-not-found',
  message: string,
  hint: string,
): Diagnostic {
  const loc = d.generic ? undefined : findCall(d.body, fn, args);
  const line = loc ? loc.line + d.lineOffset : d.loc.line;
  const col = loc ? loc.col : d.loc.col;
  return error(code, message, { file: d.file, line, col, hint, node: d.id });
}

/** 1-based position of `fn('a', 'b')` in a template, quotes of either kind. */
export function findCall(body: string, fn: string, args: readonly string[]): { line: number; col: number } | undefined {
  const q = (s: string): string => `['"]${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]`;
  const re = new RegExp(`\\b${fn}\\s*\\(\\s*${args.map(q).join('\\s*,\\s*')}`);
  const m = re.exec(body);
  if (!m) return undefined;
  const before = body.slice(0, m.index);
  const line = before.split('\n').length;
  const col = m.index - before.lastIndexOf('\n');
  return { line, col };
}

/** Hooks were rendered with relation placeholders; print them as final SQL like the body. */
function resolveHookPlaceholders(
  config: Record<string, unknown>,
  lookup: (kind: 'ref' | 'src', a: string, b: string) => RelationTarget | undefined,
): Record<string, unknown> {
  for (const key of ['pre_hook', 'post_hook']) {
    const hooks = config[key];
    if (!Array.isArray(hooks)) continue;
    config[key] = hooks.map((h: unknown) =>
      typeof h === 'string'
        ? resolvePlaceholders(h, lookup)
        : typeof h === 'object' && h !== null && typeof (h as { sql?: unknown }).sql === 'string'
          ? { ...(h as Record<string, unknown>), sql: resolvePlaceholders((h as { sql: string }).sql, lookup) }
          : h,
    );
  }
  return config;
}

/** Version identifiers in order: numerically when they are numbers. */
function byVersion(a: string, b: string): number {
  return !Number.isNaN(Number(a)) && !Number.isNaN(Number(b)) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0;
}
