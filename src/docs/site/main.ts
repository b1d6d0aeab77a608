import { FIELD_LABEL, searchDocs, type SearchHit } from '../search-index.js';
import { h } from './dom.js';
import { renderExplorer } from './explorer.js';
import { renderLineage } from './lineage-view.js';
import { markdown } from './markdown.js';
import { renderNodePage } from './pages.js';
import { Sidebar } from './sidebar.js';
import { DocsStore } from './store.js';
import { badge, nodeHref, nodeLink, section, TYPE_LABEL } from './widgets.js';

/** Served over http(s) (`strata serve`, `strata docs serve`: the metric API is there) rather than opened from disk. */
const served = location.protocol === 'http:' || location.protocol === 'https:';

declare global {
  interface Window {
    /** For browser tests and the benchmark: the last search's duration in ms and its hit count. */
    __strataLastSearch?: { readonly ms: number; readonly hits: number; readonly fullText: boolean };
  }
}

const EMPTY_INDEX = {
  project: '',
  generatedAt: '',
  ids: [],
  names: [],
  types: [],
  hints: [],
  parents: [],
  shardSize: 500,
  counts: {},
  packages: [],
  pkg: [],
  paths: [],
  relations: [],
  tagNames: [],
  nodeTags: [],
  landing: { overview: null, recent: [], slowest: [], largest: [] },
} as const;

/** One search result row: name, type, and where the query matched when it was not the name. */
function hitRow(store: DocsStore, hit: SearchHit, active: boolean, onPick: () => void): HTMLElement {
  const { index } = store;
  const i = hit.node;
  return h(
    'li',
    { class: active ? 'active' : '', 'data-field': FIELD_LABEL[hit.field]! },
    h('a', { href: nodeHref(index.ids[i]!), 'data-id': index.ids[i]!, onclick: onPick }, index.names[i]!),
    ' ',
    badge(TYPE_LABEL[index.types[i]!], `type-${index.types[i]}`),
    hit.field === 0 ? null : h('span', { class: 'match' }, `${FIELD_LABEL[hit.field]}: `, h('b', null, hit.token)),
    h('span', { class: 'muted hint' }, index.hints[i]!),
  );
}

async function boot(): Promise<void> {
  const app = document.getElementById('app')!;
  let store: DocsStore;
  try {
    store = await DocsStore.load();
  } catch {
    app.replaceChildren(h('p', { class: 'warn' }, 'No docs data found (data/index.js). Run `strata docs generate`.'));
    if (!served) return;
    store = new DocsStore(EMPTY_INDEX);
  }
  const { index } = store;
  const main = h('main', { id: 'main' });
  const sidebar = new Sidebar(store);
  const results = h('ul', { id: 'search-results', class: 'search-results', hidden: true });
  let selected = 0;
  const search = h('input', { id: 'search', type: 'search', placeholder: `Search ${index.ids.length.toLocaleString()} nodes, columns, descriptions, SQL (/)`, autocomplete: 'off' });
  const showResults = (): void => {
    const t = performance.now();
    const hits = searchDocs(store.search, index.names, search.value, 30);
    selected = 0;
    results.hidden = search.value.trim() === '';
    results.replaceChildren(
      ...hits.map((hit, k) => hitRow(store, hit, k === 0, () => (results.hidden = true))),
      ...(search.value.trim()
        ? [h('li', { class: 'all-results' }, h('a', { href: `#/search?q=${encodeURIComponent(search.value.trim())}`, onclick: () => (results.hidden = true) }, hits.length ? 'All results…' : 'No match. All results…'))]
        : []),
    );
    window.__strataLastSearch = { ms: performance.now() - t, hits: hits.length, fullText: store.search !== null };
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
    if (e.key === '/' && document.activeElement !== search && !(document.activeElement instanceof HTMLInputElement) && !(document.activeElement instanceof HTMLTextAreaElement)) {
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
    h('a', { href: '#/', class: 'brand' }, `Strata docs · ${index.project}`),
    h('div', { class: 'search' }, search, results),
    h(
      'nav',
      null,
      served
        ? h('a', { href: '#/explorer', id: 'nav-explorer' }, 'Metric explorer')
        : h('span', { class: 'muted', title: 'run strata docs serve (or strata serve and open /docs/)' }, 'Metric explorer: needs strata docs serve'),
    ),
  );
  app.replaceChildren(header, h('div', { class: 'layout' }, sidebar.element, main));

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
    else if (kind === 'lineage' && i !== undefined) page = await renderLineage(store, i, params);
    else if (kind === 'explorer' && served) page = renderExplorer(params, store);
    else if (kind === 'search') page = searchPage(store, params.get('q') ?? '');
    else page = home(store);
    if (mine !== generation) return;
    main.replaceChildren(page);
    sidebar.reveal(kind === 'node' || kind === 'lineage' ? (i ?? null) : null);
    window.scrollTo(0, 0);
    main.scrollTo?.(0, 0);
    document.body.dataset['ready'] = 'true';
    document.body.dataset['route'] = kind ?? '';
  };
  window.addEventListener('hashchange', () => void route());
  await route();
  // The full-text index arrives after the site is usable; a query typed meanwhile is re-run.
  void store.loadSearch().then((ix) => {
    document.body.dataset['search'] = ix ? 'ready' : 'names';
    if (search.value.trim()) showResults();
    if (ix && location.hash.startsWith('#/search')) void route();
  });
}

/** `#/search?q=…`: every hit (up to 500), grouped by where it matched. */
function searchPage(store: DocsStore, q: string): HTMLElement {
  const hits = searchDocs(store.search, store.index.names, q, 500);
  return h(
    'div',
    { class: 'page' },
    h('header', { class: 'page-head' }, h('h1', { id: 'page-title' }, `Search: ${q}`)),
    h('p', { class: 'muted' }, `${hits.length}${hits.length === 500 ? '+' : ''} results${store.search ? '' : ' (names only: the full-text index is still loading)'}`),
    h('ul', { class: 'search-page', id: 'search-page' }, ...hits.map((hit) => hitRow(store, hit, false, () => undefined))),
  );
}

/** The landing page: the project overview, what the project holds, what changed, what is slow or big. */
function home(store: DocsStore): HTMLElement {
  const { index } = store;
  const { landing } = index;
  const nodeList = (rows: readonly (readonly [number, string | number])[], id: string, fmt: (v: string | number) => string): HTMLElement =>
    rows.length
      ? h('ol', { class: 'landing-list', id }, ...rows.map(([i, v]) => h('li', null, nodeLink(store, index.ids[i]!), ' ', badge(TYPE_LABEL[index.types[i]!], `type-${index.types[i]}`), h('span', { class: 'muted' }, ` ${fmt(v)}`))))
      : h('p', { class: 'muted', id }, id === 'recent' ? 'No file times recorded.' : 'No run recorded yet: run `strata build`, then `strata docs generate`.');
  const when = (v: string | number): string => {
    const d = new Date(String(v));
    return Number.isNaN(d.getTime()) ? String(v) : d.toLocaleString();
  };
  return h(
    'div',
    { class: 'page landing' },
    h('header', { class: 'page-head' }, h('h1', { id: 'page-title' }, index.project || 'Strata docs')),
    landing.overview ? section('Overview', markdown(landing.overview, 'markdown overview')) : null,
    section(
      'Contents',
      h(
        'ul',
        { class: 'counts', id: 'counts' },
        ...Object.entries(index.counts).map(([t, n]) => h('li', null, h('b', null, n.toLocaleString()), ` ${TYPE_LABEL[t as keyof typeof TYPE_LABEL]}${n === 1 ? '' : 's'}`)),
      ),
      h('p', { class: 'muted' }, `Browse the project, database, tags and types in the sidebar; search names, columns, descriptions and SQL above (press /). Generated ${index.generatedAt}.`),
    ),
    h(
      'div',
      { class: 'two-col' },
      section('Recently changed', nodeList(landing.recent, 'recent', when)),
      h('div', null, section('Slowest models (last run)', nodeList(landing.slowest, 'slowest', (v) => `${Number(v).toFixed(2)} s`)), section('Largest models (last run)', nodeList(landing.largest, 'largest', (v) => `${Number(v).toLocaleString()} rows`))),
    ),
  );
}

void boot();
