import type { DocsNodeType } from '../docs-data.js';
import { h, type Child } from './dom.js';
import type { DocsStore } from './store.js';

export const TYPE_LABEL: Record<DocsNodeType, string> = {
  source: 'source',
  seed: 'seed',
  snapshot: 'snapshot',
  model: 'model',
  analysis: 'analysis',
  semantic_model: 'semantic model',
  metric: 'metric',
  feature_view: 'feature view',
  feature_service: 'feature service',
  exposure: 'exposure',
};

export const nodeHref = (id: string): string => `#/node/${encodeURIComponent(id)}`;
export const lineageHref = (id: string, up = 2, down = 2): string => `#/lineage/${encodeURIComponent(id)}?up=${up}&down=${down}`;
/** The column-level lineage of one column of a node (upstream and downstream). */
export const columnLineageHref = (id: string, column: string, up = 3, down = 3): string => `${lineageHref(id, up, down)}&column=${encodeURIComponent(column)}`;

export function badge(text: string, cls = ''): HTMLElement {
  return h('span', { class: `badge ${cls}` }, text);
}

/** A link to a node's page (plain text when the id is not in the docs, e.g. an unknown table). */
export function nodeLink(store: DocsStore, id: string, label?: string): HTMLElement {
  const i = store.position.get(id);
  if (i === undefined) return h('span', { class: 'muted' }, label ?? id);
  return h('a', { href: nodeHref(id), class: `node-link type-${store.index.types[i]}` }, label ?? store.index.names[i]!);
}

export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', null, title), ...children);
}

export function facts(rows: readonly (readonly [string, Child])[]): HTMLElement {
  return h('dl', { class: 'facts' }, ...rows.filter(([, v]) => v !== null && v !== undefined && v !== '').flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

/** Code with tabs (e.g. source / compiled SQL). */
export function codeTabs(tabs: readonly (readonly [string, string | null])[]): HTMLElement {
  const present = tabs.filter((t): t is readonly [string, string] => t[1] !== null && t[1] !== '');
  const pre = h('pre', { class: 'code' });
  const bar = h('div', { class: 'tabs' });
  const show = (i: number): void => {
    pre.textContent = present[i]![1];
    bar.querySelectorAll('button').forEach((b, j) => b.classList.toggle('active', i === j));
  };
  present.forEach(([name], i) => bar.append(h('button', { type: 'button', 'data-tab': name, onclick: () => show(i) }, name)));
  if (present.length) show(0);
  return h('div', null, bar, pre);
}

/** Parents and children of a node as link lists, with a link to the lineage graph. */
export function neighbours(store: DocsStore, i: number): HTMLElement {
  const list = (xs: readonly number[]): HTMLElement =>
    xs.length ? h('ul', { class: 'links' }, ...xs.slice(0, 200).map((x) => h('li', null, nodeLink(store, store.index.ids[x]!), ' ', badge(TYPE_LABEL[store.index.types[x]!])))) : h('p', { class: 'muted' }, 'none');
  return section(
    'Lineage',
    h('p', null, h('a', { href: lineageHref(store.index.ids[i]!), class: 'button', id: 'open-lineage' }, 'Open lineage graph')),
    h('div', { class: 'two-col' }, h('div', null, h('h3', null, 'Upstream'), list(store.index.parents[i]!)), h('div', null, h('h3', null, 'Downstream'), list(store.children[i]!))),
  );
}
