import type { Diagnostic } from '../diagnostics/index.js';
import { didYouMean, error } from '../diagnostics/index.js';
import type { NodeProperties, ProjectFiles, SchemaFile } from '../project/types.js';
import { targetContext } from '../project/types.js';
import { baseConfig, fileDrafts, genericTestDrafts, renderNodeFor, type Draft } from './drafts.js';
import { createRenderer } from './jinja/index.js';
import type { QueryRunner, RenderNode, RenderResult, Renderer } from './jinja/types.js';
import { generateSchemaName, mergeConfig, sha256, stableJson } from './node-config.js';
import {
  RENDER_CACHE_VERSION,
  cacheKey,
  isEntryValid,
  makeEntry,
  type RenderCacheData,
  type RenderCacheEntry,
  type Library,
  type RenderInputs,
} from './render-cache.js';
import { assembleManifest, type NodeNaming, type Rendered } from './assemble.js';
import { checkDuplicates, indexProperties, seedDrafts, snapshotFileDrafts } from './resource-drafts.js';
import { checkInFileConfig, checkMaterialization, userMaterializationNames } from './check-config.js';
import { hasJinja, renderConfigJinja, renderSourceJinja } from './yaml-jinja.js';
import { packageView } from './package-view.js';
import { relationInfoLookup, renderJobs, type RenderJob } from './render-jobs.js';
import { renderInWorkers, workersAvailable, type PlainRendererOptions } from './render-pool.js';
import { availableParallelism } from 'node:os';
import type { Manifest } from './types.js';
import { resolvePlaceholders } from './resolve-relations.js';
import { applyModelVersions, refKey } from './model-versions.js';
import { addExposures } from './exposures.js';
import { relative } from 'node:path';
import { resolveFolderConfig } from '../project/index.js';
import { attachContracts } from '../planner/contract.js';
import { addUnitTests } from '../quality/unit-tests/compile.js';

export interface CompileOptions {
  /** Render results of the previous compile; unchanged files are not re-rendered. */
  readonly cache?: RenderCacheData;
  readonly fullRefresh?: boolean;
  /** dbt's `--empty`: every ref() and source() renders as a zero-row subquery; `this` does not. */
  readonly empty?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly queryRunner?: QueryRunner;
  readonly relationExists?: (node: RenderNode) => boolean;
  /** Command name for `flags.WHICH`. */
  readonly which?: string;
  /** Worker threads for rendering large projects (default: available cores, max 4). */
  readonly threads?: number;
}

/** Below this many templates to render, thread start-up costs more than it saves. */
const PARALLEL_THRESHOLD = 1500;

export interface CompileOutput {
  readonly manifest: Manifest;
  readonly diagnostics: readonly Diagnostic[];
  readonly cache: RenderCacheData;
  readonly stats: { readonly rendered: number; readonly reused: number; readonly nodes: number };
  /** `on-run-start` / `on-run-end` from the project file, rendered to SQL. */
  readonly hooks: { readonly onRunStart: readonly string[]; readonly onRunEnd: readonly string[] };
}

/**
 * Turns project files into a Manifest: renders every model, snapshot, analysis and test (reusing
 * cached renders whose inputs did not change), resolves refs/sources, inlines ephemerals.
 * Never touches a database. Errors come back as diagnostics with the user's file:line.
 *
 * @example
 * const { manifest, diagnostics } = compileManifest(await loadProject({ projectDir: '.' }));
 */
export async function compileManifest(files: ProjectFiles, opts: CompileOptions = {}): Promise<CompileOutput> {
  const diagnostics: Diagnostic[] = [];
  const env = opts.env ?? process.env;
  const project = files.config.name;

  // --- renderer, created only when something must be rendered --------------------------------
  const plainOptions = plainRendererOptions(files, env, opts);
  let renderer: Renderer | undefined;
  const getRenderer = (): Renderer => {
    if (!renderer) {
      renderer = createRenderer({
        ...plainOptions,
        // relationInfo is filled after the drafts exist; the renderer may be made before
        relationFor: (kind, a, b) => relationInfoLookup(relationInfo)(kind, a, b),
        ...(opts.queryRunner ? { queryRunner: opts.queryRunner } : {}),
        ...(opts.relationExists ? { relationExists: opts.relationExists } : {}),
      });
      diagnostics.push(...renderer.diagnostics);
    }
    return renderer;
  };

  // sources' schema / database / identifier may be templates ("{{ target.schema }}")
  files = renderSourceJinja(files, getRenderer, diagnostics);
  const libraryFiles = Object.fromEntries(
    [...files.macros, ...files.docs, ...(files.packages ?? []).flatMap((p) => p.macros)].map((f) => [f.path, f.hash]),
  );
  const prev = opts.cache?.version === RENDER_CACHE_VERSION ? opts.cache : undefined;
  const libraryUnchanged = prev !== undefined && stableJson(prev.libraryFiles) === stableJson(libraryFiles);
  let library: Library | undefined = libraryUnchanged ? prev.library : undefined;
  const getLibrary = (): Library => {
    if (!library) {
      const r = getRenderer();
      library = { macros: r.macros, docs: r.docs };
    }
    return library;
  };
  let macroHashes: Map<string, string> | undefined;
  const macroHash = (m: string): string | undefined => {
    if (!macroHashes) macroHashes = new Map(getLibrary().macros.map((x) => [x.unique_name, x.hash]));
    return macroHashes.get(m);
  };
  let macroNames: string | undefined;
  const macroNamesHash = (): string => (macroNames ??= sha256(getLibrary().macros.map((m) => m.unique_name).sort().join(',')));

  const targetHash = sha256(stableJson(targetContext(files.target)));
  const inputs: RenderInputs = {
    varSignature: (name) => {
      const pv = files.config.vars;
      const scoped = pv[project];
      return stableJson([
        files.cliVars[name] ?? null,
        pv[name] ?? null,
        typeof scoped === 'object' && scoped !== null ? ((scoped as Record<string, unknown>)[name] ?? null) : null,
      ]);
    },
    env,
    targetHash,
    macroHash,
  };

  // --- drafts: every node before rendering ---------------------------------------------------
  const props = indexProperties(files.schemaFiles, diagnostics);
  const drafts: Draft[] = [
    ...applyModelVersions(files, fileDrafts(files, files.models, 'model', files.config.modelPaths, props.models), props.models, diagnostics),
    ...fileDrafts(files, files.analyses, 'analysis', files.config.analysisPaths, new Map()),
    ...fileDrafts(files, files.tests, 'test', files.config.testPaths, new Map()),
    ...seedDrafts(files, props.seeds),
  ];
  const snapshotDrafts = snapshotFileDrafts(files, props.snapshots, getRenderer, diagnostics);
  drafts.push(...snapshotDrafts);
  for (const d of [...drafts]) {
    if (d.resourceType === 'test' || d.resourceType === 'analysis' || !d.props) continue;
    drafts.push(
      ...genericTestDrafts(
        files,
        { kind: 'ref', name: refKey(d) },
        d.id,
        d.version === undefined ? d.name : `${d.name}_v${d.version}`,
        d.patchPath?.replace(`${project}://`, '') ?? d.file,
        d.props.tests,
        d.props.columns,
      ),
    );
  }
  for (const sf of files.schemaFiles) {
    for (const s of sf.sources) {
      drafts.push(
        ...genericTestDrafts(
          files,
          { kind: 'source', source: s.sourceName, table: s.name },
          `source.${project}.${s.sourceName}.${s.name}`,
          `source_${s.sourceName}_${s.name}`,
          sf.path,
          s.tests,
          s.columns,
        ),
      );
    }
  }
  // Installed packages are projects: their models and seeds (and the tests in their properties
  // files) join the graph as `model.<package>.<name>`, configured by their own project file with
  // the root project's `models: <package>:` block laid over it.
  const packageSources: { file: string; spec: SchemaFile['sources'][number]; package: string }[] = [];
  for (const pkg of files.packages ?? []) {
    const view = packageView(files, pkg);
    const pprops = indexProperties(renderSourceJinja(view, getRenderer, diagnostics).schemaFiles, diagnostics);
    packageSources.push(...pprops.sources.map((x) => ({ ...x, package: pkg.name })));
    const own = [...fileDrafts(view, view.models, 'model', view.config.modelPaths, pprops.models), ...seedDrafts(view, pprops.seeds)];
    drafts.push(...own);
    for (const d of own) {
      if (!d.props) continue;
      drafts.push(...genericTestDrafts(view, { kind: 'ref', name: d.name, package: pkg.name }, d.id, d.name, d.patchPath?.replace(`${pkg.name}://`, '') ?? d.file, d.props.tests, d.props.columns));
    }
  }
  // Jinja in YAML and project-file configs (`enabled: "{{ target.type != 'bigquery' }}"`)
  for (let i = 0; i < drafts.length; i++) {
    const d = drafts[i]!;
    if (hasJinja(d.preConfig)) drafts[i] = { ...d, preConfig: renderConfigJinja(d.preConfig, renderNodeFor(d, files), getRenderer(), diagnostics) };
  }
  distinguishSameNamedTests(drafts);
  checkDuplicates(drafts, diagnostics);

  // Relation info for attribute access during rendering (pre-render config is good enough).
  const relationInfo = new Map<string, { database: string; schema: string; identifier: string }>();
  for (const d of drafts) {
    if (d.resourceType === 'test' || d.resourceType === 'analysis') continue;
    const rn = renderNodeFor(d, files);
    const info = { database: rn.database, schema: rn.schema, identifier: rn.alias };
    const keys = d.version === undefined ? [refKey(d)] : String(d.version) === String(d.latestVersion) ? [refKey(d), d.name] : [refKey(d)];
    for (const k of keys) {
      if (!relationInfo.has(`ref:${k}`) || rn.package_name === project) relationInfo.set(`ref:${k}`, info);
      relationInfo.set(`ref:${rn.package_name}.${k}`, info);
    }
  }
  for (const { spec: s } of packageSources) {
    relationInfo.set(`src:${s.sourceName}.${s.name}`, { database: s.database ?? files.target.dbname, schema: s.schema, identifier: s.identifier });
  }
  for (const sf of files.schemaFiles)
    for (const s of sf.sources)
      relationInfo.set(`src:${s.sourceName}.${s.name}`, {
        database: s.database ?? files.target.dbname,
        schema: s.schema,
        identifier: s.identifier,
      });

  // --- render (or reuse) ---------------------------------------------------------------------
  const entries: Record<string, RenderCacheEntry> = {};
  const results = new Map<Draft, RenderResult>();
  const jobs: { draft: Draft; job: RenderJob; key: string; cacheId: string }[] = [];
  const keyParts: string[] = [];
  let reused = 0;
  for (const d of drafts) {
    if (d.resourceType === 'seed') {
      results.set(d, emptyResult());
      keyParts.push(`${d.id}@${d.file}=${d.fileHash}`);
      continue;
    }
    const rn = renderNodeFor(d, files);
    const key = cacheKey([
      d.fileHash,
      d.body.length,
      d.lineOffset,
      rn,
      d.generic ? [d.generic.testName, d.generic.namespace, d.generic.kwargs, d.generic.model] : null,
      opts.fullRefresh ?? false,
      opts.empty ?? false,
      // Only templates that can call is_incremental() depend on whether their relation exists.
      opts.relationExists && d.body.includes('is_incremental') ? opts.relationExists(rn) : false,
      macroNamesHash(),
    ]);
    const cacheId = `${d.id}@${d.file}`;
    keyParts.push(`${cacheId}=${key}`);
    const hit = prev?.entries[cacheId];
    if (hit && isEntryValid(hit, key, inputs)) {
      results.set(d, hit.result);
      entries[cacheId] = hit;
      reused++;
      continue;
    }
    const job: RenderJob = d.generic
      ? {
          node: rn,
          body: '',
          generic: {
            testName: d.generic.namespace ? `${d.generic.namespace}.${d.generic.testName}` : d.generic.testName,
            kwargs: d.generic.kwargs,
            model: d.generic.model,
          },
        }
      : { node: rn, body: d.body };
    jobs.push({ draft: d, job, key, cacheId });
  }
  // Large cold compiles fan out to worker threads; callbacks (live queries) force inline rendering.
  const threads = opts.threads ?? Math.min(4, availableParallelism());
  const parallel =
    threads > 1 && jobs.length >= PARALLEL_THRESHOLD && !opts.queryRunner && !opts.relationExists && workersAvailable();
  if (parallel) getLibrary();
  const outcomes = parallel
    ? await renderInWorkers(plainOptions, [...relationInfo], jobs.map((j) => j.job), threads)
    : renderJobs(
        jobs.map((j) => j.job),
        getRenderer,
      );
  jobs.forEach((j, i) => {
    const outcome = outcomes[i]!;
    if (!outcome.ok) {
      diagnostics.push(...outcome.diagnostics.map((x) => locateTestDiagnostic(x, j.draft)));
      return;
    }
    // In-file config() values are checked once, when rendered; warnings travel with the cached
    // result so a warm compile still shows them.
    const checked = checkInFileConfig(j.draft, outcome.result.config);
    const errs = checked.filter((x) => x.severity === 'error');
    if (errs.length) {
      diagnostics.push(...errs);
      return;
    }
    const warns = checked.filter((x) => x.severity === 'warning');
    const result = warns.length ? { ...outcome.result, warnings: [...(outcome.result.warnings ?? []), ...warns] } : outcome.result;
    results.set(j.draft, result);
    entries[j.cacheId] = makeEntry(j.key, result, inputs);
  });
  // pre_hook/post_hook strings are templates too (`grant select on {{ this }} ...`): rendered in
  // the node's context; placeholders are resolved with the node's SQL in assemble.
  let dynamicHook = false;
  const renderHook = (hook: string, d: Draft): string => {
    if (!hook.includes('{{') && !hook.includes('{%')) return hook;
    const outcome = getRenderer().render(renderNodeFor(d, files), hook);
    if (outcome.ok && outcome.result.dynamic) dynamicHook = true;
    if (outcome.ok) return outcome.result.sql;
    diagnostics.push(...outcome.diagnostics.map((x) => ({ ...x, file: x.file ?? d.file, message: `in a hook of ${d.name}: ${x.message}` })));
    return hook;
  };
  const renderHooks = (config: Record<string, unknown>, d: Draft, raw: Record<string, string[]>): Record<string, unknown> => {
    for (const key of ['pre_hook', 'post_hook']) {
      const hooks = config[key];
      if (!Array.isArray(hooks) || hooks.length === 0) continue;
      dynamicHook = false;
      const templates = hooks.map((h: unknown) =>
        typeof h === 'string' ? h : typeof (h as { sql?: unknown } | null)?.sql === 'string' ? (h as { sql: string }).sql : '',
      );
      config[key] = hooks.map((h: unknown) =>
        typeof h === 'string'
          ? renderHook(h, d)
          : typeof h === 'object' && h !== null && typeof (h as { sql?: unknown }).sql === 'string'
            ? { ...(h as Record<string, unknown>), sql: renderHook((h as { sql: string }).sql, d) }
            : h,
      );
      if (dynamicHook) raw[key] = templates;
    }
    return config;
  };
  let userMats: Set<string> | undefined;
  const userMaterializations = (): Set<string> => (userMats ??= userMaterializationNames(getLibrary().macros.map((m) => m.name)));
  const rendered: Rendered[] = [];
  for (const d of drafts) {
    const result = results.get(d);
    if (!result) continue;
    if (result.warnings?.length) diagnostics.push(...result.warnings);
    const rawHooks: Record<string, string[]> = {};
    const finalConfig = renderHooks(mergeConfig(d.preConfig, result.config), d, rawHooks);
    const badMaterialization = checkMaterialization(d, finalConfig, result.config, userMaterializations());
    if (badMaterialization) diagnostics.push(badMaterialization);
    // The final config is a function of the cache key and the cached result, so its hash is
    // kept with the entry instead of re-serialising 30k configs on every warm compile.
    const cacheId = `${d.id}@${d.file}`;
    const entry = entries[cacheId];
    let configHash = entry?.configHash;
    if (configHash === undefined) {
      configHash = sha256(stableJson(finalConfig));
      if (entry) entries[cacheId] = { ...entry, configHash };
    }
    rendered.push({ draft: d, result, finalConfig, configHash, ...(Object.keys(rawHooks).length ? { rawHooks } : {}) });
  }
  const renderedCount = jobs.length;

  const assembled = assembleManifest(files, rendered, [...props.sources, ...packageSources], getLibrary(), diagnostics, projectNaming(files, getLibrary, getRenderer, diagnostics));
  // Model contracts (planner/contract.ts) and dbt unit tests (quality/unit-tests/).
  const contracted = attachContracts(
    assembled,
    rendered.filter((r) => r.draft.resourceType === 'model').map((r) => ({ id: r.draft.id, file: r.draft.file, props: r.draft.props })),
    (kind, a, b) => {
      const info = kind === 'ref' ? relationInfoLookup(relationInfo)('ref', a || b!, a ? b! : null) : relationInfo.get(`src:${a}.${b}`);
      return info ? { schema: info.schema, name: info.identifier } : undefined;
    },
    diagnostics,
  );
  const manifest = addUnitTests({ files, manifest: contracted, rendererOptions: { ...plainOptions, relationFor: (k, a, b) => relationInfoLookup(relationInfo)(k, a, b) }, diagnostics });
  addExposures(files, manifest, diagnostics);
  const hooks = {
    onRunStart: renderRunHooks(files, 'on-run-start', files.config.onRunStart, getRenderer, manifest, diagnostics),
    onRunEnd: renderRunHooks(files, 'on-run-end', files.config.onRunEnd, getRenderer, manifest, diagnostics),
  };
  const fingerprint = cacheKey([
    RENDER_CACHE_VERSION,
    libraryFiles,
    keyParts,
    files.schemaFiles.map((f) => [f.path, f.hash]),
    targetContext(files.target),
    project,
  ]);
  return {
    manifest,
    diagnostics,
    cache: {
      version: RENDER_CACHE_VERSION,
      libraryFiles,
      library: getLibrary(),
      entries,
      fingerprint,
    },
    stats: { rendered: renderedCount, reused, nodes: Object.keys(manifest.nodes).length },
    hooks,
  };
}

/**
 * Two generic tests that get the same name but differ in their arguments or config (the same
 * `not_null` twice, once with a `where`) are two tests, as in dbt: the later one's unique id
 * takes a hash of what differs. Identical definitions stay a duplicate-node error.
 */
function distinguishSameNamedTests(drafts: Draft[]): void {
  const seen = new Map<string, string>();
  for (let i = 0; i < drafts.length; i++) {
    const d = drafts[i]!;
    if (!d.generic) continue;
    const body = stableJson([d.generic.kwargs, d.preConfig]);
    const prior = seen.get(d.id);
    if (prior === undefined) {
      seen.set(d.id, body);
      continue;
    }
    if (prior === body) continue;
    const id = `${d.id.slice(0, d.id.lastIndexOf('.'))}.${sha256(`${d.id}\u0000${body}`).slice(0, 10)}`;
    drafts[i] = { ...d, id };
    seen.set(id, body);
  }
}

/** Renderer options shared by parsing and execution-time rendering (plain data only). */
export function plainRendererOptions(
  files: ProjectFiles,
  env: Readonly<Record<string, string | undefined>>,
  opts: { readonly fullRefresh?: boolean; readonly which?: string; readonly empty?: boolean },
): PlainRendererOptions {
  return {
    projectName: files.config.name,
    macroFiles: files.macros,
    docFiles: files.docs,
    target: targetContext(files.target),
    projectVars: files.config.vars,
    cliVars: files.cliVars,
    env: { ...env },
    flags: { fullRefresh: opts.fullRefresh ?? false, which: opts.which ?? 'compile', ...(opts.empty ? { empty: true } : {}) },
    packages: (files.packages ?? []).map((p) => ({ name: p.name, macroFiles: p.macros, vars: p.config.vars })),
    dispatch: dispatchConfig(files.config.raw['dispatch']),
  };
}

/**
 * When the project (or a package) defines its own generate_schema_name / generate_alias_name,
 * node schemas and aliases come from calling it with dbt's arguments; otherwise dbt's default
 * (a custom schema appended to the target schema) is computed directly.
 */
function projectNaming(
  files: ProjectFiles,
  getLibrary: () => Library,
  getRenderer: () => Renderer,
  diagnostics: Diagnostic[],
): NodeNaming | undefined {
  const own = new Set(getLibrary().macros.filter((m) => !m.builtin).map((m) => m.name));
  const hasSchema = own.has('generate_schema_name');
  const hasAlias = own.has('generate_alias_name');
  if (!hasSchema && !hasAlias) return undefined;
  const call = (macro: string, d: Draft, custom: unknown, c: Readonly<Record<string, unknown>>): string | undefined => {
    const rn = renderNodeFor(d, files);
    const node = {
      name: d.name,
      unique_id: d.id,
      resource_type: d.resourceType,
      package_name: rn.package_name,
      fqn: d.fqn,
      path: d.path,
      original_file_path: d.file,
      config: c,
      tags: Array.isArray(c['tags']) ? c['tags'] : [],
    };
    const out = getRenderer().callMacro({ ...rn, config: c }, macro, { [macro === 'generate_schema_name' ? 'custom_schema_name' : 'custom_alias_name']: custom ?? null, node });
    if (!out.ok) {
      diagnostics.push(...out.diagnostics);
      return undefined;
    }
    const text = String(out.value ?? '').trim();
    return text === '' ? undefined : text;
  };
  return {
    schema: (d, c) => (hasSchema ? call('generate_schema_name', d, c['schema'], c) : undefined),
    alias: (d, c) => (hasAlias ? call('generate_alias_name', d, c['alias'], c) : undefined),
  };
}

/** The project file's `dispatch:` list, keeping well-formed entries. */
function dispatchConfig(raw: unknown): { macro_namespace: string; search_order: string[] }[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((d: unknown) => {
    const e = d as { macro_namespace?: unknown; search_order?: unknown } | null;
    if (typeof e?.macro_namespace !== 'string' || !Array.isArray(e.search_order)) return [];
    return [{ macro_namespace: e.macro_namespace, search_order: e.search_order.map(String) }];
  });
}

/** Renders project-level hooks as dbt's `operation` nodes: Jinja allowed, refs resolved. */
function renderRunHooks(
  files: ProjectFiles,
  kind: 'on-run-start' | 'on-run-end',
  hooks: readonly string[],
  getRenderer: () => Renderer,
  manifest: Manifest,
  diagnostics: Diagnostic[],
): string[] {
  const project = files.config.name;
  const byName = new Map(Object.values(manifest.nodes).map((n) => [n.name, n.relation_name]));
  return hooks.map((hook, i) => {
    if (!hook.includes('{{') && !hook.includes('{%')) return hook;
    const node: RenderNode = {
      unique_id: `operation.${project}.${project}-${kind}-${i}`,
      name: `${project}-${kind}-${i}`,
      resource_type: 'operation',
      package_name: project,
      original_file_path: relative(files.root, files.config.file),
      database: files.target.dbname,
      schema: files.target.schema,
      alias: `${project}-${kind}-${i}`,
      config: {},
    };
    const outcome = getRenderer().render(node, hook);
    if (!outcome.ok) {
      diagnostics.push(...outcome.diagnostics.map((d) => ({ ...d, message: `in ${kind} hook ${i + 1}: ${d.message}` })));
      return hook;
    }
    return resolvePlaceholders(outcome.result.sql, (k, a, b) => {
      if (k === 'src') return undefined;
      const rel = byName.get(b);
      return rel ? { kind: 'relation', sql: rel } : undefined;
    });
  });
}

function emptyResult(): RenderResult {
  return { sql: '', config: {}, refs: [], sources: [], macros: [], varsRead: {}, envRead: {}, readsTarget: false, docs: [] };
}

/** Generic tests live in YAML: a diagnostic without a file points at the test's YAML entry. */
function locateTestDiagnostic(d: Diagnostic, draft: Draft): Diagnostic {
  if (d.file) return d;
  return { ...d, file: draft.file, line: draft.loc.line, col: draft.loc.col, node: draft.id };
}

export { generateSchemaName };
