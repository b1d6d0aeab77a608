import { searchNodes } from '../search-nodes.js';
import { h } from './dom.js';
import { renderExplorer } from './explorer.js';
import { renderLineage } from './lineage-view.js';
import { renderNodePage } from './pages.js';
import { DocsStore } from './store.js';
import { badge, lineageHref, nodeHref, TYPE_LABEL } from './widgets.js';

/** Served by `strata serve` (the metric API is there) rather than opened from disk. */
const served = location.protocol === 'http:' || location.protocol === 'https:';

async function boot(): Promise<void> {
  const app = document.getElementById('app')!;
  let store: DocsStore;
  try {
    store = await DocsStore.load();
  } catch {
    app.replaceChildren(h('p', { class: 'warn' }, 'No docs data found (data/index.js). Run `strata docs generate`.'));
    if (!served) return;
    store = new DocsStore({ project: '', generatedAt: '', ids: [], names: [], types: [], hints: [], parents: [], shardSize: 500, counts: {} });
  }
  const main = h('main', { id: 'main' });
  const results = h('ul', { id: 'search-results', class: 'search-results', hidden: true });
  let selected = 0;
  const search = h('input', { id: 'search', type: 'search', placeholder: `Search ${store.index.ids.length.toLocaleString()} nodes (/)`, autocomplete: 'off' });
  const showResults = (): void => {
    const hits = searchNodes(store.index.names, search.value, 30);
    selected = 0;
    results.hidden = hits.length === 0;
    results.replaceChildren(
      ...hits.map((i, k) =>
        h(
          'li',
          { class: k === 0 ? 'active' : '' },
          h('a', { href: nodeHref(store.index.ids[i]!), 'data-id': store.index.ids[i]!, onclick: () => (results.hidden = true) }, store.index.names[i]!),
          ' ',
          badge(TYPE_LABEL[store.index.types[i]!], `type-${store.index.types[i]}`),
          h('span', { class: 'muted hint' }, store.index.hints[i]!),
        ),
      ),
    );
  };
  search.addEventListener('input', showResults);
  search.addEventListener('keydown', (e) => {
    const items = [...results.querySelectorAll('li')];
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      selected = Math.max(0, Math.min(items.length - 1, selected + (e.key === 'ArrowDown' ? 1 : -1)));
      items.forEach((li, k) => li.classList.toggle('active', k === selected));
    } else if (e.key === 'Enter' && items[selected]) {
      location.hash = items[selected]!.querySelector('a')!.getAttribute('href')!;
      results.hidden = true;
    } else if (e.key === 'Escape') results.hidden = true;
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === '/' && document.activeElement !== search && !(document.activeElement instanceof HTMLInputElement)) {
      e.preventDefault();
      search.focus();
    }
  });
  document.addEventListener('click', (e) => {
    if (!(e.target instanceof Node) || (!results.contains(e.target) && e.target !== search)) results.hidden = true;
  });
  const header = h(
    'header',
    { class: 'top' },
    h('a', { href: '#/', class: 'brand' }, `Strata docs · ${store.index.project}`),
    h('div', { class: 'search' }, search, results),
    h('nav', null, served ? h('a', { href: '#/explorer', id: 'nav-explorer' }, 'Metric explorer') : h('span', { class: 'muted', title: 'run strata serve and open /docs/' }, 'Metric explorer: needs strata serve')),
  );
  app.replaceChildren(header, main);

  let generation = 0;
  const route = async (): Promise<void> => {
    const mine = ++generation;
    const [path = '', query = ''] = location.hash.replace(/^#/, '').split('?');
    const params = new URLSearchParams(query);
    const [, kind, raw] = path.split('/');
    const id = raw ? decodeURIComponent(raw) : '';
    const i = store.position.get(id);
    let page: HTMLElement;
    if (kind === 'node' && i !== undefined) page = await renderNodePage(store, i);
    else if (kind === 'lineage' && i !== undefined) page = renderLineage(store, i, intParam(params, 'up', 2), intParam(params, 'down', 2));
    else if (kind === 'explorer' && served) page = renderExplorer(params);
    else page = home(store);
    if (mine !== generation) return;
    main.replaceChildren(page);
    window.scrollTo(0, 0);
    document.body.dataset['ready'] = 'true';
    document.body.dataset['route'] = kind ?? '';
  };
  window.addEventListener('hashchange', () => void route());
  await route();
}

function intParam(p: URLSearchParams, k: string, dflt: number): number {
  const v = Number(p.get(k));
  return p.has(k) && Number.isFinite(v) ? Math.max(0, Math.min(20, Math.floor(v))) : dflt;
}

function home(store: DocsStore): HTMLElement {
  const { index } = store;
  const firstOf = (t: string): number => index.types.findIndex((x) => x === t);
  return h(
    'div',
    { class: 'page' },
    h('header', { class: 'page-head' }, h('h1', { id: 'page-title' }, index.project || 'Strata docs')),
    h('p', { class: 'muted' }, `Generated ${index.generatedAt}. Search above (press /) to open any node, its columns, SQL and lineage.`),
    h(
      'section',
      { class: 'card' },
      h('h2', null, 'Contents'),
      h(
        'ul',
        { class: 'links' },
        ...Object.entries(index.counts).map(([t, n]) => {
          const first = firstOf(t);
          return h('li', null, h('b', null, String(n)), ` ${TYPE_LABEL[t as keyof typeof TYPE_LABEL]}${n === 1 ? '' : 's'}`, first >= 0 ? h('span', { class: 'muted' }, ' — e.g. ', h('a', { href: lineageHref(index.ids[first]!) }, index.names[first]!)) : null);
        }),
      ),
    ),
  );
}

void boot();
