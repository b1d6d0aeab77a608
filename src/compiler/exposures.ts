/**
 * dbt exposures: `exposures:` entries of the root project's properties files become
 * `manifest.exposures['exposure.<pkg>.<name>']` with `depends_on.nodes` resolved (ref() to models,
 * seeds, snapshots and model versions; source(); metric() to the semantic layer's metrics). They are
 * end nodes of the graph: `parent_map` lists their parents and their parents' `child_map` them.
 */
import { didYouMean, error, type Diagnostic } from '../diagnostics/index.js';
import type { ExposureDependency, ProjectFiles } from '../project/types.js';
import type { ExposureNode, Manifest } from './types.js';

/** Adds `exposures` to the manifest (in place: the manifest was just built) and returns it. */
export function addExposures(files: ProjectFiles, manifest: Manifest, diagnostics: Diagnostic[]): Manifest {
  const project = files.config.name;
  const specs = files.schemaFiles.flatMap((sf) => (sf.exposures ?? []).map((e) => ({ e, file: sf.path })));
  if (specs.length === 0) return manifest;
  const relational = Object.values(manifest.nodes).filter((n) => n.resource_type === 'model' || n.resource_type === 'seed' || n.resource_type === 'snapshot');
  const refIndex = new Map<string, string>();
  const versions = new Map<string, string[]>();
  for (const n of relational) {
    const keys = n.version === undefined ? [n.name] : [`${n.name}.v${n.version}`, ...(String(n.version) === String(n.latest_version) ? [n.name] : [])];
    if (n.version !== undefined) versions.set(n.name, [...(versions.get(n.name) ?? []), String(n.version)]);
    for (const k of keys) {
      refIndex.set(`${n.package_name}.${k}`, n.unique_id);
      if (!refIndex.has(k) || n.package_name === project) refIndex.set(k, n.unique_id);
    }
  }
  const names = [...new Set(relational.map((n) => n.name))];
  const metrics = new Set<string>();
  for (const sf of files.schemaFiles) {
    const list = sf.other['metrics'];
    if (Array.isArray(list)) for (const m of list) if (m && typeof m === 'object' && typeof (m as { name?: unknown }).name === 'string') metrics.add((m as { name: string }).name);
  }
  const out: Record<string, ExposureNode> = {};
  const parentMap = manifest.parent_map as Record<string, string[]>;
  const childMap = manifest.child_map as Record<string, string[]>;
  for (const { e, file } of specs) {
    if (e.config['enabled'] === false) continue;
    const id = `exposure.${project}.${e.name}`;
    const deps: string[] = [];
    const refs: { name: string; package: string | null; version?: string }[] = [];
    const sources: [string, string][] = [];
    const metricRefs: string[][] = [];
    for (const dep of e.dependsOn) {
      const found = resolve(dep);
      if (found && !deps.includes(found)) deps.push(found);
    }
    out[id] = {
      unique_id: id,
      resource_type: 'exposure',
      name: e.name,
      package_name: project,
      path: file.split('/').slice(1).join('/'),
      original_file_path: file,
      fqn: [project, ...file.split('/').slice(1, -1), e.name],
      type: e.type,
      owner: { email: e.owner.email ?? null, name: e.owner.name ?? null },
      description: e.description,
      label: e.label ?? null,
      maturity: e.maturity ?? null,
      url: e.url ?? null,
      tags: [...e.tags],
      meta: e.meta,
      config: { enabled: true, ...e.config, tags: [...e.tags], meta: e.meta },
      depends_on: { nodes: deps, macros: [] },
      refs,
      sources,
      metrics: metricRefs,
      loc: { line: e.loc.line, col: e.loc.col },
    };
    parentMap[id] = [...deps];
    childMap[id] = [];
    for (const p of deps) (childMap[p] ??= []).push(id);

    function resolve(dep: ExposureDependency): string | undefined {
      const at = { file: dep.loc.file, line: dep.loc.line, col: dep.loc.col };
      if (dep.kind === 'source') {
        const [s, t] = dep.args as [string, string];
        sources.push([s, t]);
        const src = Object.values(manifest.sources).find((x) => x.source_name === s && x.name === t);
        if (!src) {
          const same = Object.values(manifest.sources).filter((x) => x.source_name === s).map((x) => x.name);
          diagnostics.push(error('source-not-found', `exposure '${e.name}' depends on source('${s}', '${t}'), which is not declared`, { ...at, hint: didYouMean(t, same) ?? (same.length ? `tables of source '${s}': ${same.join(', ')}` : 'declare it under sources: in a schema .yml file') }));
        }
        return src?.unique_id;
      }
      if (dep.kind === 'metric') {
        const [m] = dep.args as [string];
        metricRefs.push([m]);
        if (!metrics.has(m)) {
          diagnostics.push(error('ref-not-found', `exposure '${e.name}' depends on metric('${m}'), which is not defined`, { ...at, hint: didYouMean(m, metrics) ?? 'define it under metrics: in a semantic YAML file' }));
          return undefined;
        }
        return `metric.${project}.${m}`;
      }
      const name = dep.args[dep.args.length - 1]!;
      const pkg = dep.args.length === 2 ? dep.args[0]! : null;
      refs.push({ name, package: pkg, ...(dep.version !== undefined ? { version: String(dep.version) } : {}) });
      const key = dep.version !== undefined ? `${name}.v${dep.version}` : name;
      const found = refIndex.get(pkg ? `${pkg}.${key}` : key);
      if (found) return found;
      const known = versions.get(name)?.slice().sort(byVersion);
      diagnostics.push(
        error('ref-not-found',
          dep.version !== undefined && known
            ? `exposure '${e.name}' depends on version ${dep.version} of '${name}', which does not exist (versions: ${known.join(', ')})`
            : `exposure '${e.name}' depends on '${pkg ? `${pkg}.` : ''}${name}', which does not exist`,
          { ...at, hint: dep.version !== undefined && known ? `use one of v=${known.join(', v=')}` : (didYouMean(name, names) ?? 'create the model, seed or snapshot, or fix the name') }),
      );
      return undefined;
    }
  }
  Object.assign(manifest, { exposures: out });
  return manifest;
}

/** Version identifiers in order: numerically when they are numbers. */
function byVersion(a: string, b: string): number {
  return !Number.isNaN(Number(a)) && !Number.isNaN(Number(b)) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0;
}
