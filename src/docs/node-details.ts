import type { ColumnInfo, ExposureNode, Manifest, ManifestNode, SourceNode } from '../compiler/types.js';
import type { ColumnDoc, ExposureDetail, FreshnessDoc, LastRun, NodeDetail, SourceDetail, TestDoc } from './docs-data.js';
import type { NodeColumnLineage } from './project-lineage.js';

/** What earlier commands recorded in `target/`: run_results.json, sources.json, catalog.json. */
export interface RunArtifacts {
  /** unique_id → last run result (`run_results.json`). */
  readonly runs?: Readonly<Record<string, LastRun>>;
  /** unique_id → last freshness result (`sources.json`). */
  readonly freshness?: Readonly<Record<string, { readonly status: string; readonly maxLoadedAt: string | null; readonly snapshottedAt: string | null }>>;
  /** unique_id → column → database type (`catalog.json`, seed type inference). */
  readonly columnTypes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Tests by the node (and column) they check, from the manifest's test nodes, with their last status. */
export interface TestsByNode {
  readonly columns: Map<string, Map<string, TestDoc[]>>;
  readonly node: Map<string, TestDoc[]>;
}

/**
 * Indexes the manifest's tests by the node they are attached to: column tests by column,
 * the rest (singular tests, multi-column tests) by node. `runs` (run_results.json) gives each
 * test's last status.
 *
 * @example testsByNode(manifest, runs).columns.get('model.shop.orders')?.get('order_id')
 * // [{ name: 'unique', status: 'pass' }, { name: 'not_null', status: null }]
 */
export function testsByNode(manifest: Manifest, runs: RunArtifacts['runs'] = {}): TestsByNode {
  const columns = new Map<string, Map<string, TestDoc[]>>();
  const node = new Map<string, TestDoc[]>();
  for (const t of Object.values(manifest.nodes)) {
    if (t.resource_type !== 'test') continue;
    const status = runs[t.unique_id]?.status ?? null;
    const label = t.test_metadata ? t.test_metadata.name : t.name;
    const targets = t.attached_node ? [t.attached_node] : t.depends_on.nodes;
    for (const target of targets) {
      if (t.column_name && t.attached_node) {
        let byCol = columns.get(target);
        if (!byCol) columns.set(target, (byCol = new Map()));
        const list = byCol.get(t.column_name) ?? [];
        list.push({ name: label, status });
        byCol.set(t.column_name, list);
      } else {
        const list = node.get(target) ?? [];
        list.push({ name: t.test_metadata ? `${label}(${Object.keys(t.test_metadata.kwargs).filter((k) => k !== 'model').join(', ')})` : label, status });
        node.set(target, list);
      }
    }
  }
  return { columns, node };
}

export type UnitTestsByNode = Map<string, { readonly name: string; readonly description: string }[]>;

/**
 * dbt unit tests by the model they test: `manifest.unit_tests` (the model named by `model:`
 * among its `depends_on.nodes`, every version of it) and nodes of resource_type `unit_test`.
 *
 * @example unitTestsByNode(manifest).get('model.shop.orders') // [{ name: 'test_amount', description: '' }]
 */
export function unitTestsByNode(manifest: Manifest): UnitTestsByNode {
  const out: UnitTestsByNode = new Map();
  const seen = new Set<string>();
  const add = (target: string, id: string, name: string, description: string): void => {
    if (seen.has(`${target} ${id}`)) return;
    seen.add(`${target} ${id}`);
    const list = out.get(target) ?? [];
    list.push({ name, description });
    out.set(target, list);
  };
  for (const [id, u] of Object.entries(manifest.unit_tests ?? {})) {
    const deps = ((u['depends_on'] as { nodes?: unknown } | undefined)?.nodes ?? []) as readonly string[];
    const tested = deps.filter((d) => manifest.nodes[d]?.name === u['model']);
    for (const target of tested.length ? tested : deps.slice(0, 1)) add(target, id, String(u['name'] ?? id), typeof u['description'] === 'string' ? u['description'] : '');
  }
  for (const n of Object.values(manifest.nodes)) if (n.resource_type === 'unit_test' && n.unit_test) add(n.unit_test.model, n.unique_id, n.name, n.description);
  return out;
}

/** A contract constraint as one line: `not_null`, `check (amount > 0)`, `foreign_key (customer_id) → customers (id)`. */
export function constraintText(c: Readonly<Record<string, unknown>>): string {
  const list = (x: unknown): string => (Array.isArray(x) && x.length ? ` (${x.map(String).join(', ')})` : '');
  const expr = typeof c['expression'] === 'string' && c['expression'] ? ` (${c['expression']})` : '';
  const to = c['to'] ? ` → ${String(c['to'])}${list(c['to_columns'])}` : '';
  const name = typeof c['name'] === 'string' && c['name'] ? `${c['name']}: ` : '';
  return `${name}${String(c['type'])}${list(c['columns'])}${expr}${to}`;
}

/** `orders.v2` for version 2 of a versioned model, else the plain name. */
export function nodeLabel(n: Pick<ManifestNode, 'name' | 'version'>): string {
  return n.version === undefined || n.version === null ? n.name : `${n.name}.v${String(n.version)}`;
}

/** Whether a versioned model node is its model's latest version. */
export function isLatestVersion(n: Pick<ManifestNode, 'version' | 'latest_version'>): boolean {
  return n.version !== undefined && n.version !== null && (n.latest_version === undefined || n.latest_version === null || String(n.latest_version) === String(n.version));
}

/** The page data of an exposure. */
export function exposureDetail(e: ExposureNode): ExposureDetail {
  return {
    kind: 'exposure',
    id: e.unique_id,
    name: e.name,
    description: e.description,
    file: e.original_file_path,
    label: e.label,
    exposureType: e.type,
    owner: { name: e.owner?.name ?? null, email: e.owner?.email ?? null },
    url: e.url,
    maturity: e.maturity,
    tags: e.tags,
    dependsOn: e.depends_on.nodes,
  };
}

/**
 * The page data of a model, seed, snapshot or analysis: description, code, columns (the
 * model's real output columns from lineage first, then YAML-only ones) with types, tests and
 * column lineage, the last run and freshness.
 */
export function nodeDetail(n: ManifestNode, lineage: NodeColumnLineage | undefined, tests: TestsByNode, artifacts: RunArtifacts, unitTests?: UnitTestsByNode): NodeDetail {
  const types = artifacts.columnTypes?.[n.unique_id];
  const colTests = tests.columns.get(n.unique_id);
  const yaml = n.columns;
  const names = [...(lineage?.columns.map((c) => c.column) ?? []), ...Object.keys(yaml)];
  const seen = new Set<string>();
  const byName = new Map(lineage?.columns.map((c) => [c.column, c]));
  const columns: ColumnDoc[] = [];
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const y = yaml[name];
    const l = byName.get(name);
    columns.push({
      name,
      description: y?.description ?? '',
      type: y?.data_type ?? types?.[name] ?? null,
      tests: colTests?.get(name) ?? [],
      ...(y?.constraints?.length ? { constraints: y.constraints.map(constraintText) } : {}),
      ...(l ? { lineage: { sources: l.sources, status: l.status, direct: l.direct, ...(l.reason ? { reason: l.reason } : {}) } } : {}),
    });
  }
  if (!lineage && types) for (const [name, type] of Object.entries(types)) if (!seen.has(name)) columns.push({ name, description: '', type, tests: colTests?.get(name) ?? [] });
  const freshnessConfig = (n.config['freshness'] ?? null) as Record<string, unknown> | null;
  const configMeta = n.config['meta'] as Record<string, unknown> | undefined;
  const owner = n.config['owner'] ?? n.meta['owner'] ?? configMeta?.['owner'] ?? (n.config['group'] ? `group ${String(n.config['group'])}` : undefined);
  return {
    kind: 'node',
    id: n.unique_id,
    name: nodeLabel(n),
    description: n.description,
    file: n.original_file_path,
    resourceType: n.resource_type,
    materialized: String(n.config.materialized),
    relation: n.relation_name,
    tags: n.tags,
    owner: typeof owner === 'string' ? owner : null,
    rawCode: n.raw_code,
    compiledCode: n.compiled_code,
    columns,
    tests: tests.node.get(n.unique_id) ?? [],
    lastRun: artifacts.runs?.[n.unique_id] ?? null,
    freshness: freshnessDoc(freshnessConfig, (n.config['loaded_at_field'] as string | undefined) ?? null, artifacts.freshness?.[n.unique_id]),
    ...(lineage?.error ? { lineageError: lineage.error } : {}),
    ...(n.version !== undefined && n.version !== null
      ? { version: { v: String(n.version), latest: isLatestVersion(n), latestVersion: n.latest_version === undefined || n.latest_version === null ? null : String(n.latest_version) } }
      : {}),
    ...(n.contract?.enforced ? { contractEnforced: true } : {}),
    ...(n.constraints?.length ? { constraints: n.constraints.map(constraintText) } : {}),
    ...(unitTests?.get(n.unique_id)?.length ? { unitTests: unitTests.get(n.unique_id)! } : {}),
  };
}

/** The page data of a source table. */
export function sourceDetail(s: SourceNode, tests: TestsByNode, artifacts: RunArtifacts): SourceDetail {
  const types = artifacts.columnTypes?.[s.unique_id];
  const colTests = tests.columns.get(s.unique_id);
  const cols = new Map<string, ColumnInfo | undefined>(Object.entries(s.columns));
  for (const c of Object.keys(types ?? {})) if (!cols.has(c)) cols.set(c, undefined);
  return {
    kind: 'source',
    id: s.unique_id,
    name: s.name,
    description: s.description || s.source_description,
    file: s.original_file_path,
    sourceName: s.source_name,
    relation: s.relation_name,
    loader: s.loader,
    tags: s.tags,
    columns: [...cols].map(([name, c]) => ({ name, description: c?.description ?? '', type: c?.data_type ?? types?.[name] ?? null, tests: colTests?.get(name) ?? [] })),
    freshness: freshnessDoc(s.freshness, s.loaded_at_field, artifacts.freshness?.[s.unique_id]),
  };
}

function freshnessDoc(
  config: Readonly<Record<string, unknown>> | null,
  loadedAtField: string | null,
  result: { readonly status: string; readonly maxLoadedAt: string | null; readonly snapshottedAt: string | null } | undefined,
): FreshnessDoc | null {
  const rule = (r: unknown, label: string): string | null => {
    if (!r || typeof r !== 'object') return null;
    const { count, period } = r as { count?: unknown; period?: unknown };
    return count === undefined || count === null ? null : `${label} after ${String(count)} ${String(period)}${count === 1 ? '' : 's'}`;
  };
  const criteria = [rule(config?.['warn_after'], 'warn'), rule(config?.['error_after'], 'error')].filter((x): x is string => x !== null).join(', ');
  if (!criteria && !result) return null;
  return { criteria, loadedAtField, ...(result ? { status: result.status, maxLoadedAt: result.maxLoadedAt, snapshottedAt: result.snapshottedAt } : {}) };
}
