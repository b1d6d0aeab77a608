import type { Manifest } from '../compiler/types.js';
import type { FeatureRegistry } from '../features/types.js';
import type { SemanticLayer } from '../semantic/types.js';
import type { ColumnSource } from './column-lineage.js';
import { buildSearchIndex, type SearchDocument } from './search-index.js';
import type { ColumnDoc, DocsData, DocsDetail, DocsNodeType, Landing } from './docs-data.js';
import { exposureDetail, isLatestVersion, nodeDetail, sourceDetail, testsByNode, unitTestsByNode, type RunArtifacts } from './node-details.js';
import type { NodeColumnLineage } from './project-lineage.js';
import {
  featureServiceDetail,
  featureViewDetail,
  metricDetail,
  metricParents,
  semanticId,
  semanticModelDetail,
} from './semantic-details.js';

export interface DocsInput {
  readonly manifest: Manifest;
  /** Column lineage per model (`projectColumnLineage`). */
  readonly lineage?: Readonly<Record<string, NodeColumnLineage>>;
  readonly semantic?: SemanticLayer;
  readonly features?: FeatureRegistry;
  readonly artifacts?: RunArtifacts;
  /** Details per shard file (default 500). */
  readonly shardSize?: number;
  /** Fixed timestamp (tests); default now. */
  readonly generatedAt?: string;
  /** unique_id → ISO time its files last changed (landing page "recently changed"). */
  readonly changedAt?: Readonly<Record<string, string>>;
}

/** Where a node sits in the project and the database: package, file, relation, tags. */
interface Placement {
  readonly pkg: string;
  readonly path: string;
  readonly relation: readonly [string, string, string] | null;
  readonly tags: readonly string[];
}

/** `dbt_packages/<pkg>/models/x.sql` → `models/x.sql`: paths in the tree are relative to their package. */
function packagePath(path: string | null | undefined, pkg: string): string {
  if (!path) return '';
  const p = path.replace(/\\/g, '/');
  const at = p.indexOf(`/${pkg}/`);
  return at >= 0 && /(^|\/)(dbt_packages|dbt_modules|packages)$/.test(p.slice(0, at)) ? p.slice(at + pkg.length + 2) : p;
}

const NODE_TYPES: ReadonlySet<string> = new Set(['model', 'seed', 'snapshot', 'analysis']);

/**
 * Assembles the site's data: one lineage graph of sources → seeds/snapshots/models → semantic
 * models → metrics → feature views → feature services, and exposures as end nodes (tests and
 * unit tests become facts on the pages they check, not nodes; versioned models are named
 * `name.vN`), with a details record per node.
 *
 * @example
 * const data = buildDocsData({ manifest, lineage: projectColumnLineage(manifest) });
 * data.index.names[data.index.parents[i][0]] // the first parent of node i
 */
export function buildDocsData(input: DocsInput): DocsData {
  const { manifest } = input;
  const project = manifest.metadata.project_name;
  const ids: string[] = [];
  const names: string[] = [];
  const types: DocsNodeType[] = [];
  const hints: string[] = [];
  const details: DocsDetail[] = [];
  const parentIds: (readonly string[])[] = [];
  const places: Placement[] = [];
  const add = (type: DocsNodeType, hint: string, detail: DocsDetail, parents: readonly string[], place: Placement): void => {
    ids.push(detail.id);
    names.push(detail.name);
    types.push(type);
    hints.push(hint);
    details.push(detail);
    parentIds.push(parents);
    places.push(place);
  };
  const artifacts = input.artifacts ?? {};
  const tests = testsByNode(manifest, artifacts.runs);
  const unitTests = unitTestsByNode(manifest);

  const rel = (n: { readonly database: string; readonly schema: string }, identifier: string): readonly [string, string, string] => [n.database, n.schema, identifier];
  for (const s of Object.values(manifest.sources)) {
    add('source', `source ${s.source_name}`, sourceDetail(s, tests, artifacts), [], {
      pkg: s.package_name,
      path: packagePath(s.original_file_path, s.package_name),
      relation: rel(s, s.identifier),
      tags: s.tags,
    });
  }
  for (const n of Object.values(manifest.nodes)) {
    if (!NODE_TYPES.has(n.resource_type)) continue;
    const hint = n.version === undefined || n.version === null ? n.original_file_path : `${n.original_file_path} · ${isLatestVersion(n) ? 'latest version' : `version ${String(n.version)}`}`;
    add(n.resource_type as DocsNodeType, hint, nodeDetail(n, input.lineage?.[n.unique_id], tests, artifacts, unitTests), n.depends_on.nodes, {
      pkg: n.package_name,
      path: packagePath(n.original_file_path, n.package_name),
      relation: n.relation_name ? rel(n, n.alias) : null,
      tags: n.tags,
    });
  }
  const layer = input.semantic;
  if (layer) {
    const at = (file: string): Placement => ({ pkg: project, path: packagePath(file, project), relation: null, tags: [] });
    for (const m of Object.values(layer.models)) add('semantic_model', 'semantic model', semanticModelDetail(project, m), m.dependsOn, at(m.loc.file));
    for (const m of Object.values(layer.metrics)) add('metric', `metric (${m.type})`, metricDetail(project, layer, m), metricParents(project, m), at(m.loc.file));
  }
  const reg = input.features;
  if (reg) {
    const at = (file: string, tags: readonly string[]): Placement => ({ pkg: project, path: packagePath(file, project), relation: null, tags });
    for (const v of Object.values(reg.views)) add('feature_view', `feature view of ${v.entity}`, featureViewDetail(project, v), v.dependsOn, at(v.loc.file, v.tags));
    for (const s of Object.values(reg.services)) {
      const parents = [...new Set(s.features.map((f) => f.view))].map((v) => semanticId.view(project, v));
      add('feature_service', 'feature service', featureServiceDetail(project, s, reg), parents, at(s.loc.file, s.tags));
    }
  }
  for (const e of Object.values(manifest.exposures ?? {})) {
    add('exposure', `exposure (${e.type})`, exposureDetail(e), e.depends_on.nodes, { pkg: e.package_name, path: packagePath(e.original_file_path, e.package_name), relation: null, tags: e.tags });
  }
  withDownstreamColumns(details);

  const position = new Map(ids.map((id, i) => [id, i]));
  const parents = parentIds.map((ps) => {
    const out: number[] = [];
    for (const p of ps) {
      const i = position.get(p);
      if (i !== undefined && !out.includes(i)) out.push(i);
    }
    return out;
  });
  const counts: Partial<Record<DocsNodeType, number>> = {};
  for (const t of types) counts[t] = (counts[t] ?? 0) + 1;
  const packages = [project, ...[...new Set(places.map((p) => p.pkg))].filter((p) => p !== project).sort()];
  const pkgIndex = new Map(packages.map((p, i) => [p, i]));
  const tagNames = [...new Set(places.flatMap((p) => p.tags))].sort();
  const tagIndex = new Map(tagNames.map((t, i) => [t, i]));
  return {
    search: buildSearchIndex(details.map(searchDocument)),
    index: {
      project,
      generatedAt: input.generatedAt ?? new Date().toISOString(),
      ids,
      names,
      types,
      hints,
      parents,
      shardSize: input.shardSize ?? 500,
      counts,
      packages,
      pkg: places.map((p) => pkgIndex.get(p.pkg)!),
      paths: places.map((p) => p.path),
      relations: places.map((p) => p.relation),
      tagNames,
      nodeTags: places.map((p) => [...new Set(p.tags)].map((t) => tagIndex.get(t)!)),
      landing: landing(manifest, ids, details, input.changedAt ?? {}),
    },
    details,
  };
}

/**
 * Adds to every column the columns of other nodes computed from it (the reverse of their
 * `lineage.sources`), so column lineage can be followed downstream as well as upstream.
 */
function withDownstreamColumns(details: DocsDetail[]): void {
  const down = new Map<string, ColumnSource[]>();
  for (const d of details) {
    if (d.kind !== 'node') continue;
    for (const c of d.columns) {
      for (const s of c.lineage?.sources ?? []) {
        const key = `${s.node}\u0000${s.column}`;
        const list = down.get(key) ?? [];
        list.push({ node: d.id, column: c.name });
        down.set(key, list);
      }
    }
  }
  if (!down.size) return;
  const attach = (id: string, cols: readonly ColumnDoc[]): ColumnDoc[] =>
    cols.map((c) => {
      const list = down.get(`${id}\u0000${c.name}`);
      return list ? { ...c, downstream: list } : c;
    });
  details.forEach((d, i) => {
    if (d.kind === 'node' || d.kind === 'source') details[i] = { ...d, columns: attach(d.id, d.columns) };
  });
}

const LANDING_ROWS = 12;

/**
 * The landing page's lists: the root project's `__overview__` docs block, the most recently
 * changed nodes, and the slowest / largest models of the last run.
 */
function landing(manifest: Manifest, ids: readonly string[], details: readonly DocsDetail[], changedAt: Readonly<Record<string, string>>): Landing {
  const project = manifest.metadata.project_name;
  const docs = Object.values(manifest.docs ?? {}).filter((d) => d.name === '__overview__');
  const overview = (docs.find((d) => d.package_name === project) ?? docs[0])?.block_contents ?? null;
  const top = <T,>(rows: (readonly [number, T])[], by: (t: T) => number | string): (readonly [number, T])[] =>
    rows.sort((a, b) => (by(b[1]) > by(a[1]) ? 1 : by(b[1]) < by(a[1]) ? -1 : a[0] - b[0])).slice(0, LANDING_ROWS);
  const recent: (readonly [number, string])[] = [];
  const slowest: (readonly [number, number])[] = [];
  const largest: (readonly [number, number])[] = [];
  ids.forEach((id, i) => {
    const when = changedAt[id];
    if (when) recent.push([i, when]);
    const d = details[i]!;
    if (d.kind !== 'node' || !d.lastRun) return;
    slowest.push([i, d.lastRun.executionTime]);
    if (d.lastRun.rowsAffected !== null && d.lastRun.rowsAffected > 0) largest.push([i, d.lastRun.rowsAffected]);
  });
  return {
    overview: overview && overview.trim() ? overview.trim() : null,
    recent: top(recent, (t) => t),
    slowest: top(slowest, (t) => t),
    largest: top(largest, (t) => t),
  };
}

/** What a node's page offers to full-text search, by field. */
function searchDocument(d: DocsDetail): SearchDocument {
  const base = [d.description, d.file ?? ''];
  switch (d.kind) {
    case 'node':
      return {
        name: d.name,
        columns: d.columns.map((c) => c.name),
        text: [...base, ...d.columns.map((c) => c.description), ...d.tags, d.owner ?? '', d.relation ?? '', d.materialized],
        sql: d.rawCode,
      };
    case 'source':
      return { name: `${d.sourceName}.${d.name}`, columns: d.columns.map((c) => c.name), text: [...base, ...d.columns.map((c) => c.description), ...d.tags, d.loader, d.relation], sql: '' };
    case 'semantic_model':
      return {
        name: d.name,
        columns: [...d.dimensions.map((x) => x.name), ...d.measures.map((x) => x.name)],
        text: [...base, ...d.dimensions.map((x) => x.description), ...d.measures.map((x) => x.description)],
        sql: [...d.dimensions.map((x) => x.expr), ...d.measures.map((x) => x.expr), d.relation].join(' '),
      };
    case 'metric':
      return { name: d.name, columns: [], text: [...base, d.type], sql: [...Object.values(d.definition), d.filter ?? ''].join(' ') };
    case 'feature_view':
      return { name: d.name, columns: d.features.map((f) => f.name), text: [...base, ...d.features.map((f) => f.description), ...d.tags, d.owner ?? '', d.entity], sql: d.source };
    case 'feature_service':
      return { name: d.name, columns: d.features.map((f) => f.feature), text: [...base, ...d.tags, d.owner ?? ''], sql: '' };
    case 'exposure':
      return { name: d.name, columns: [], text: [...base, d.label ?? '', d.exposureType, d.owner.name ?? '', d.owner.email ?? '', ...d.tags, d.maturity ?? ''], sql: '' };
  }
}
