import type { ColumnDoc, DocsDetail, FreshnessDoc, NodeDetail, TestDoc } from '../docs-data.js';
import { h } from './dom.js';
import { markdown } from './markdown.js';
import type { DocsStore } from './store.js';
import { badge, codeTabs, columnLineageHref, facts, neighbours, nodeLink, section, TYPE_LABEL } from './widgets.js';

/** The page of node i: header, then what its kind has (columns, SQL, definition, features…). */
export async function renderNodePage(store: DocsStore, i: number): Promise<HTMLElement> {
  const d = await store.detail(i);
  const type = store.index.types[i]!;
  const head = h(
    'header',
    { class: 'page-head' },
    h('h1', { id: 'page-title' }, d.name),
    badge(TYPE_LABEL[type], `type-${type}`),
    d.kind === 'node' && d.version ? badge(d.version.latest ? 'latest version' : `version ${d.version.v}`, d.version.latest ? 'latest' : 'old-version') : null,
    d.kind === 'node' && d.contractEnforced ? badge('contract enforced', 'contract') : null,
    d.file ? h('span', { class: 'muted path' }, d.file) : null,
  );
  const body = h('div', { class: 'page', 'data-node': d.id }, head, d.description ? markdown(d.description, 'markdown description') : null);
  body.append(...kindSections(store, d));
  if (d.kind === 'node') body.append(...(await modelContext(store, i, d)));
  body.append(neighbours(store, i), usedBy(store, i));
  return body;
}

function kindSections(store: DocsStore, d: DocsDetail): HTMLElement[] {
  switch (d.kind) {
    case 'node':
      return nodeSections(store, d);
    case 'source':
      return [
        section('Details', facts([['relation', d.relation], ['source', d.sourceName], ['loader', d.loader], ['tags', d.tags.join(', ')]])),
        ...(d.freshness ? [freshnessSection(d.freshness)] : []),
        section('Columns', columnsTable(store, d.columns, false, d.id)),
      ];
    case 'semantic_model':
      return [
        section('Details', facts([['from', d.relation], ['primary key', d.primaryKey ?? '']])),
        section('Dimensions', table(['name', 'type', 'expression', 'granularities', 'description'], d.dimensions.map((x) => [x.name, x.type, code(x.expr), x.granularities.join(', '), x.description]))),
        section('Measures', table(['name', 'aggregation', 'expression', 'description'], d.measures.map((x) => [x.name, x.agg, code(x.expr), x.description]))),
        ...(d.joins.length ? [section('Joins', table(['to', 'relationship', 'on'], d.joins.map((j) => [j.to, j.relationship, code(j.on)])))] : []),
      ];
    case 'metric':
      return [
        section('Definition', facts([['type', d.type], ...Object.entries(d.definition).map(([k, v]) => [k, code(v)] as const), ['filter', d.filter ? code(d.filter) : '']])),
        section('Dimensions', d.dimensions.length ? h('ul', { class: 'chips' }, ...d.dimensions.map((x) => h('li', null, x))) : h('p', { class: 'muted' }, 'none')),
        section(
          'Hierarchies (drill paths)',
          d.hierarchies.length ? h('ul', null, ...d.hierarchies.map((x) => h('li', null, h('b', null, x.name), ': ', x.levels.join(' → ')))) : h('p', { class: 'muted' }, 'none'),
          location.protocol.startsWith('http') ? h('p', null, h('a', { class: 'button', href: `#/explorer?metric=${encodeURIComponent(d.name)}` }, 'Explore this metric')) : null,
        ),
      ];
    case 'feature_view':
      return [
        section('Details', facts([['entity', `${d.entity} (${d.joinKeys.join(', ')})`], ['source', code(d.source)], ['timestamp', d.timestamp], ['ttl', d.ttl ?? 'none'], ['online', d.online ? 'yes' : 'no'], ['owner', d.owner ?? ''], ['tags', d.tags.join(', ')]])),
        section('Features', table(['name', 'type', 'imputation', 'description'], d.features.map((f) => [f.name, f.type, f.impute ?? '', f.description]))),
      ];
    case 'feature_service':
      return [
        section('Details', facts([['owner', d.owner ?? ''], ['tags', d.tags.join(', ')]])),
        section('Features', table(['feature view', 'feature', 'type'], d.features.map((f) => [nodeLink(store, `feature_view.${store.index.project}.${f.view}`, f.view), f.feature, f.type ?? '']))),
      ];
    case 'exposure': {
      const owner = [d.owner.name, d.owner.email ? `<${d.owner.email}>` : null].filter(Boolean).join(' ');
      // Only http(s) URLs become links: a `javascript:` URL from YAML must not run on click.
      const url = d.url && /^https?:\/\//i.test(d.url) ? h('a', { href: d.url, id: 'exposure-url', rel: 'noopener noreferrer', target: '_blank' }, d.url) : (d.url ?? '');
      return [
        section('Details', facts([['label', d.label ?? ''], ['type', d.exposureType], ['owner', owner], ['url', url], ['maturity', d.maturity ?? ''], ['tags', d.tags.join(', ')]])),
        section('Depends on', d.dependsOn.length ? h('ul', { class: 'links', id: 'exposure-depends' }, ...d.dependsOn.map((id) => h('li', null, nodeLink(store, id)))) : h('p', { class: 'muted' }, 'none')),
      ];
    }
  }
}

function nodeSections(store: DocsStore, d: NodeDetail): HTMLElement[] {
  const run = d.lastRun;
  const out = [
    section(
      'Details',
      facts([
        ['materialization', d.materialized],
        ['version', d.version ? `v${d.version.v}${d.version.latest ? ' (latest)' : d.version.latestVersion ? ` (latest is v${d.version.latestVersion})` : ''}` : ''],
        ['contract', d.contractEnforced ? 'enforced' : ''],
        ['constraints', d.constraints?.length ? d.constraints.join('; ') : ''],
        ['relation', d.relation ?? '(not built)'],
        ['owner', d.owner ?? ''],
        ['tags', d.tags.join(', ')],
        ['last run', run ? h('span', null, badge(run.status, `status-${run.status}`), ` ${run.executionTime.toFixed(2)} s`, run.completedAt ? ` · ${run.completedAt}` : '', run.rowsAffected !== null ? ` · ${run.rowsAffected} rows` : '', run.message ? ` · ${run.message}` : '') : 'not run yet'],
      ]),
    ),
  ];
  if (d.freshness) out.push(freshnessSection(d.freshness));
  out.push(
    section(
      'Columns',
      d.lineageError ? h('p', { class: 'warn', id: 'lineage-error' }, `Column lineage unknown: ${d.lineageError}`) : null,
      columnsTable(store, d.columns, d.resourceType === 'model' || d.resourceType === 'snapshot' || d.resourceType === 'seed', d.id),
    ),
  );
  if (d.tests.length) out.push(section('Tests', h('ul', { id: 'node-tests' }, ...d.tests.map((t) => h('li', null, testItem(t))))));
  if (d.unitTests?.length) out.push(section('Unit tests', h('ul', { id: 'unit-tests' }, ...d.unitTests.map((t) => h('li', null, h('code', null, t.name), t.description ? ` — ${t.description}` : '')))));
  out.push(section('SQL', codeTabs([['source', d.rawCode], ['compiled', d.compiledCode]])));
  return out;
}

function freshnessSection(f: FreshnessDoc): HTMLElement {
  return section(
    'Freshness',
    facts([
      ['criteria', f.criteria || 'none'],
      ['loaded at field', f.loadedAtField ?? ''],
      ['last check', f.status ? h('span', null, badge(f.status, `status-${f.status}`), f.maxLoadedAt ? ` latest row ${f.maxLoadedAt}` : '', f.snapshottedAt ? ` (checked ${f.snapshottedAt})` : '') : 'never checked'],
    ]),
  );
}

function columnsTable(store: DocsStore, cols: readonly ColumnDoc[], withLineage: boolean, nodeId?: string): HTMLElement {
  if (!cols.length) return h('p', { class: 'muted' }, 'No columns documented.');
  const withConstraints = cols.some((c) => c.constraints?.length);
  const headers = ['column', 'type', 'description', 'tests', ...(withConstraints ? ['constraints'] : []), ...(withLineage ? ['comes from'] : [])];
  return table(
    headers,
    cols.map((c) => [
      nodeId ? h('a', { href: columnLineageHref(nodeId, c.name), class: 'col-name', title: `column lineage of ${c.name} (upstream and downstream)` }, h('code', null, c.name)) : h('code', null, c.name),
      c.type ?? '',
      c.description ? markdown(c.description, 'markdown inline') : '',
      testList(c.tests),
      ...(withConstraints ? [h('span', { class: 'constraints' }, (c.constraints ?? []).join(', '))] : []),
      ...(withLineage ? [lineageCell(store, c)] : []),
    ]),
    'columns',
  );
}

function lineageCell(store: DocsStore, c: ColumnDoc): HTMLElement {
  const l = c.lineage;
  if (!l) return h('span', { class: 'muted' }, '—');
  const links = l.sources.map((s) => h('span', { class: 'col-source' }, nodeLink(store, s.node, `${store.position.has(s.node) ? store.index.names[store.position.get(s.node)!] : s.node}.${s.column}`)));
  const parts: (HTMLElement | string)[] = [];
  links.forEach((x, i) => parts.push(...(i ? [', ', x] : [x])));
  if (!l.sources.length && l.status === 'resolved') parts.push(h('span', { class: 'muted' }, 'computed (no column input)'));
  if (!l.direct && l.sources.length) parts.push(' ', badge('expression', 'expr'));
  if (l.status !== 'resolved') parts.push(' ', h('span', { class: `badge status-${l.status}`, title: l.reason ?? '' }, `${l.status}: ${l.reason ?? ''}`));
  return h('span', { class: 'lineage', 'data-status': l.status }, ...parts);
}

function code(s: string): HTMLElement {
  return h('code', null, s);
}

function table(headers: readonly string[], rows: readonly (readonly (Node | string)[])[], id?: string): HTMLElement {
  return h(
    'table',
    { class: 'grid', ...(id ? { id } : {}) },
    h('thead', null, h('tr', null, ...headers.map((x) => h('th', null, x)))),
    h('tbody', null, ...rows.map((r) => h('tr', null, ...r.map((c) => h('td', null, c))))),
  );
}

/** A test with its last status (`pass`, `fail`, …, or "not run"). */
function testItem(t: TestDoc): HTMLElement {
  return h('span', { class: 'test', 'data-status': t.status ?? 'none' }, t.name, ' ', t.status ? badge(t.status, `status-${t.status}`) : badge('not run', 'muted'));
}

function testList(tests: readonly TestDoc[]): HTMLElement | string {
  if (!tests.length) return '';
  const out = h('span', { class: 'tests' });
  tests.forEach((t, k) => out.append(...(k ? [', ', testItem(t)] : [testItem(t)])));
  return out;
}

/** Indices of every node upstream of i (breadth-first, parents before grandparents). */
function ancestors(store: DocsStore, i: number, limit = 5000): number[] {
  const seen = new Set<number>([i]);
  const out: number[] = [];
  let frontier = [i];
  while (frontier.length && out.length < limit) {
    const next: number[] = [];
    for (const n of frontier) for (const p of store.index.parents[n]!) if (!seen.has(p)) (seen.add(p), out.push(p), next.push(p));
    frontier = next;
  }
  return out;
}

/** Other versions of a versioned model, the freshness of the sources it reads (at any depth). */
async function modelContext(store: DocsStore, i: number, d: NodeDetail): Promise<HTMLElement[]> {
  const { index } = store;
  const out: HTMLElement[] = [];
  if (d.version) {
    const base = d.name.replace(/\.v[^.]+$/, '');
    const versions = index.names.map((n, k) => [n, k] as const).filter(([n, k]) => k !== i && index.types[k] === 'model' && n.startsWith(`${base}.v`) && !n.slice(base.length + 2).includes('.'));
    out.push(section('Versions', h('ul', { class: 'links', id: 'versions' }, h('li', null, h('b', null, d.name), d.version.latest ? ' (latest, this page)' : ' (this page)'), ...versions.map(([, k]) => h('li', null, nodeLink(store, index.ids[k]!))))));
  }
  const sources = ancestors(store, i).filter((k) => index.types[k] === 'source');
  if (sources.length) {
    const details = await Promise.all(sources.slice(0, 100).map((k) => store.detail(k)));
    out.push(
      section(
        'Freshness of its sources',
        table(
          ['source', 'criteria', 'last check'],
          details.map((s, k) => {
            const f = s.kind === 'source' ? s.freshness : null;
            return [
              nodeLink(store, index.ids[sources[k]!]!, s.kind === 'source' ? `${s.sourceName}.${s.name}` : s.name),
              f?.criteria || 'no freshness rule',
              f?.status ? h('span', null, badge(f.status, `status-${f.status}`), f.maxLoadedAt ? ` latest row ${f.maxLoadedAt}` : '') : f ? 'never checked' : '',
            ];
          }),
          'source-freshness',
        ),
        sources.length > 100 ? h('p', { class: 'muted' }, `…and ${sources.length - 100} more sources`) : null,
      ),
    );
  }
  return out;
}

/**
 * Where a node is used: everything downstream, at any depth, that is not a model — exposures,
 * metrics, semantic models, feature views and services — plus the count of downstream models.
 */
function usedBy(store: DocsStore, i: number): HTMLElement {
  const { index } = store;
  const seen = new Set<number>([i]);
  let frontier = [i];
  const ends: number[] = [];
  let models = 0;
  while (frontier.length && seen.size < 20_000) {
    const next: number[] = [];
    for (const n of frontier) {
      for (const c of store.children[n]!) {
        if (seen.has(c)) continue;
        seen.add(c);
        next.push(c);
        const t = index.types[c]!;
        if (t === 'model' || t === 'snapshot' || t === 'seed' || t === 'analysis') models++;
        else ends.push(c);
      }
    }
    frontier = next;
  }
  return section(
    'Where it is used',
    h('p', { class: 'muted', id: 'used-by-count' }, `${models.toLocaleString()} downstream model${models === 1 ? '' : 's'}, ${ends.length} exposure${ends.length === 1 ? '' : 's'}, metric${ends.length === 1 ? '' : 's'} and other consumers at any depth.`),
    ends.length ? h('ul', { class: 'links', id: 'used-by' }, ...ends.slice(0, 200).map((k) => h('li', null, nodeLink(store, index.ids[k]!), ' ', badge(TYPE_LABEL[index.types[k]!], `type-${index.types[k]}`)))) : null,
  );
}
