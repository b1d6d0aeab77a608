import type { ColumnDoc, DocsDetail, FreshnessDoc, NodeDetail } from '../docs-data.js';
import { h } from './dom.js';
import type { DocsStore } from './store.js';
import { badge, codeTabs, facts, neighbours, nodeLink, section, TYPE_LABEL } from './widgets.js';

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
  const body = h('div', { class: 'page', 'data-node': d.id }, head, d.description ? h('p', { class: 'description' }, d.description) : null);
  body.append(...kindSections(store, d), neighbours(store, i));
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
        section('Columns', columnsTable(store, d.columns, false)),
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
      columnsTable(store, d.columns, d.resourceType === 'model'),
    ),
  );
  if (d.tests.length) out.push(section('Tests', h('ul', null, ...d.tests.map((t) => h('li', null, t)))));
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

function columnsTable(store: DocsStore, cols: readonly ColumnDoc[], withLineage: boolean): HTMLElement {
  if (!cols.length) return h('p', { class: 'muted' }, 'No columns documented.');
  const withConstraints = cols.some((c) => c.constraints?.length);
  const headers = ['column', 'type', 'description', 'tests', ...(withConstraints ? ['constraints'] : []), ...(withLineage ? ['comes from'] : [])];
  return table(
    headers,
    cols.map((c) => [
      h('code', null, c.name),
      c.type ?? '',
      c.description,
      c.tests.join(', '),
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
