import type { DocsIndex } from '../docs-data.js';
import { h } from './dom.js';
import type { DocsStore } from './store.js';
import { badge, nodeHref, TYPE_LABEL } from './widgets.js';

/** A tree entry: a group (package, folder, database, schema, tag, type) or a node (leaf). */
interface TreeEntry {
  readonly label: string;
  /** Stable key (tests and state): `project/scale/models/finance`, `db/postgres/public`, … */
  readonly key: string;
  readonly kind: 'package' | 'folder' | 'database' | 'schema' | 'tag' | 'type' | 'node';
  /** Node index, for leaves. */
  readonly node?: number;
  children?: TreeEntry[];
  /** Leaves below (groups). */
  count: number;
}

type TabName = 'project' | 'database' | 'tags' | 'types';
const TABS: readonly (readonly [TabName, string])[] = [
  ['project', 'Project'],
  ['database', 'Database'],
  ['tags', 'Tags'],
  ['types', 'Types'],
];

/** Children shown at once under one group; the rest behind a "show more" row. */
const PAGE = 200;

function group(label: string, key: string, kind: TreeEntry['kind']): TreeEntry {
  return { label, key, kind, children: [], count: 0 };
}

/** Sorts groups first, then leaves, by label; counts leaves bottom-up. */
function finish(e: TreeEntry): number {
  if (!e.children) return 1;
  e.children.sort((a, b) => Number(!a.children) - Number(!b.children) || a.label.localeCompare(b.label));
  e.count = e.children.reduce((s, c) => s + finish(c), 0);
  return e.count;
}

/** The project tree: packages (the project first) → folders of each node's file → nodes. */
export function projectTree(index: DocsIndex): TreeEntry[] {
  const roots = index.packages.map((p) => group(p, `project/${p}`, 'package'));
  const folders = new Map<string, TreeEntry>();
  index.ids.forEach((_, i) => {
    const pkg = index.packages[index.pkg[i]!]!;
    let parent = roots[index.pkg[i]!]!;
    const parts = index.paths[i]!.split('/').slice(0, -1);
    let key = `project/${pkg}`;
    for (const part of parts) {
      key += `/${part}`;
      let f = folders.get(key);
      if (!f) {
        f = group(part, key, 'folder');
        folders.set(key, f);
        parent.children!.push(f);
      }
      parent = f;
    }
    parent.children!.push({ label: index.names[i]!, key: `node/${index.ids[i]}`, kind: 'node', node: i, count: 1 });
  });
  const out = roots.filter((r) => r.children!.length);
  out.forEach(finish);
  return out;
}

/** The database tree: database → schema → relations (what nodes build or read). */
export function databaseTree(index: DocsIndex): TreeEntry[] {
  const dbs = new Map<string, TreeEntry>();
  const schemas = new Map<string, TreeEntry>();
  index.relations.forEach((r, i) => {
    if (!r) return;
    const [database, schema, identifier] = r;
    let db = dbs.get(database);
    if (!db) dbs.set(database, (db = group(database, `db/${database}`, 'database')));
    const sk = `db/${database}/${schema}`;
    let sc = schemas.get(sk);
    if (!sc) {
      schemas.set(sk, (sc = group(schema, sk, 'schema')));
      db.children!.push(sc);
    }
    sc.children!.push({ label: identifier, key: `node/${index.ids[i]}`, kind: 'node', node: i, count: 1 });
  });
  const out = [...dbs.values()];
  out.forEach(finish);
  return out.sort((a, b) => a.label.localeCompare(b.label));
}

/** Tags → nodes carrying them. */
export function tagTree(index: DocsIndex): TreeEntry[] {
  const tags = index.tagNames.map((t) => group(t, `tag/${t}`, 'tag'));
  index.nodeTags.forEach((ts, i) => {
    for (const t of ts) tags[t]!.children!.push({ label: index.names[i]!, key: `node/${index.ids[i]}`, kind: 'node', node: i, count: 1 });
  });
  tags.forEach(finish);
  return tags.filter((t) => t.count);
}

/** Resource types → nodes. */
export function typeTree(index: DocsIndex): TreeEntry[] {
  const byType = new Map<string, TreeEntry>();
  index.types.forEach((t, i) => {
    let g = byType.get(t);
    if (!g) byType.set(t, (g = group(`${TYPE_LABEL[t]}s`, `type/${t}`, 'type')));
    g.children!.push({ label: index.names[i]!, key: `node/${index.ids[i]}`, kind: 'node', node: i, count: 1 });
  });
  const out = [...byType.values()];
  out.forEach(finish);
  return out;
}

const BUILDERS: Record<TabName, (index: DocsIndex) => TreeEntry[]> = { project: projectTree, database: databaseTree, tags: tagTree, types: typeTree };

/**
 * The sidebar: tabs for the project tree, the database tree, tags and resource types. Groups show
 * their node counts and render their children only when first expanded (a 10,000-model project
 * draws a few dozen rows). Keyboard: ↑/↓ move, → expands or enters, ← collapses or goes to the
 * parent, Enter opens, Home/End jump; the tree is one tab stop (roving tabindex).
 */
export class Sidebar {
  readonly element: HTMLElement;
  private readonly trees = new Map<TabName, TreeEntry[]>();
  private readonly treeEl: HTMLElement;
  private readonly tabBar: HTMLElement;
  private tab: TabName = 'project';
  /** Row element by entry key, for reveal(). */
  private rows = new Map<string, HTMLElement>();
  private current: string | null = null;

  constructor(private readonly store: DocsStore) {
    this.tabBar = h('div', { class: 'side-tabs', role: 'tablist' });
    this.treeEl = h('ul', { class: 'tree', role: 'tree', id: 'tree', 'aria-label': 'Project' });
    this.treeEl.addEventListener('keydown', (e) => this.onKey(e));
    this.element = h('aside', { class: 'sidebar', id: 'sidebar' }, this.tabBar, this.treeEl);
    for (const [name, label] of TABS) {
      this.tabBar.append(h('button', { type: 'button', role: 'tab', id: `tab-${name}`, 'data-tab': name, onclick: () => this.show(name) }, label));
    }
    this.show('project');
  }

  private entries(tab: TabName): TreeEntry[] {
    let t = this.trees.get(tab);
    if (!t) this.trees.set(tab, (t = BUILDERS[tab](this.store.index)));
    return t;
  }

  /** Switches tab (re-renders the tree with its top level collapsed, except a single root). */
  show(tab: TabName): void {
    this.tab = tab;
    for (const b of this.tabBar.querySelectorAll('button')) {
      const on = b.getAttribute('data-tab') === tab;
      b.classList.toggle('active', on);
      b.setAttribute('aria-selected', String(on));
    }
    this.treeEl.setAttribute('aria-label', TABS.find((t) => t[0] === tab)![1]);
    this.rows = new Map();
    const roots = this.entries(tab);
    this.treeEl.replaceChildren(...roots.map((e) => this.item(e, 1)));
    if (!roots.length) this.treeEl.append(h('li', { class: 'muted tree-empty' }, tab === 'database' ? 'No relations.' : tab === 'tags' ? 'No tags.' : 'Nothing here.'));
    if (roots.length === 1) this.expand(this.rows.get(roots[0]!.key)!);
    const first = this.treeEl.querySelector<HTMLElement>('.tree-row');
    if (first) first.tabIndex = 0;
    if (this.current) this.mark(this.current);
  }

  private item(e: TreeEntry, level: number): HTMLElement {
    const leaf = !e.children;
    const type = e.node !== undefined ? this.store.index.types[e.node]! : null;
    const row = h(
      leaf ? 'a' : 'div',
      {
        class: `tree-row kind-${e.kind}`,
        'data-key': e.key,
        tabindex: -1,
        ...(leaf ? { href: nodeHref(this.store.index.ids[e.node!]!) } : { onclick: () => this.toggle(row) }),
        style: `padding-left: ${8 + (level - 1) * 14}px`,
      },
      h('span', { class: 'caret', 'aria-hidden': 'true' }, leaf ? '' : '▸'),
      h('span', { class: `tree-label${type ? ` type-${type}` : ''}` }, e.label),
      leaf ? (type && this.tab !== 'types' ? badge(TYPE_LABEL[type], `type-${type} tiny`) : null) : h('span', { class: 'count' }, e.count.toLocaleString()),
    );
    const li = h('li', { role: 'treeitem', 'aria-level': level, ...(leaf ? {} : { 'aria-expanded': 'false' }) }, row);
    (li as HTMLElement & { entry?: TreeEntry }).entry = e;
    this.rows.set(e.key, row);
    return li;
  }

  private entryOf(row: HTMLElement): TreeEntry {
    return (row.parentElement as HTMLElement & { entry: TreeEntry }).entry;
  }

  private toggle(row: HTMLElement): void {
    if (row.parentElement!.getAttribute('aria-expanded') === 'true') this.collapse(row);
    else this.expand(row);
  }

  private expand(row: HTMLElement): void {
    const li = row.parentElement!;
    const e = this.entryOf(row);
    if (!e.children || li.getAttribute('aria-expanded') === 'true') return;
    li.setAttribute('aria-expanded', 'true');
    row.querySelector('.caret')!.textContent = '▾';
    let ul = li.querySelector<HTMLElement>(':scope > ul');
    if (!ul) {
      ul = h('ul', { role: 'group' });
      const level = Number(li.getAttribute('aria-level'));
      const more = (from: number): void => {
        const slice = e.children!.slice(from, from + PAGE);
        ul!.append(...slice.map((c) => this.item(c, level + 1)));
        if (from + PAGE < e.children!.length) {
          const left = e.children!.length - from - PAGE;
          const btn = h('li', { role: 'treeitem', 'aria-level': level + 1 });
          const r = h('div', { class: 'tree-row more', tabindex: -1, style: `padding-left: ${8 + level * 14}px`, onclick: () => (btn.remove(), more(from + PAGE)) }, `show ${Math.min(PAGE, left)} more of ${left.toLocaleString()}`);
          btn.append(r);
          ul!.append(btn);
        }
      };
      more(0);
      li.append(ul);
    }
    ul.hidden = false;
  }

  private collapse(row: HTMLElement): void {
    const li = row.parentElement!;
    if (li.getAttribute('aria-expanded') !== 'true') return;
    li.setAttribute('aria-expanded', 'false');
    row.querySelector('.caret')!.textContent = '▸';
    const ul = li.querySelector<HTMLElement>(':scope > ul');
    if (ul) ul.hidden = true;
  }

  private visibleRows(): HTMLElement[] {
    return [...this.treeEl.querySelectorAll<HTMLElement>('.tree-row')].filter((r) => r.closest('ul[hidden]') === null);
  }

  private focus(row: HTMLElement | undefined): void {
    if (!row) return;
    for (const r of this.treeEl.querySelectorAll<HTMLElement>('.tree-row[tabindex="0"]')) r.tabIndex = -1;
    row.tabIndex = 0;
    row.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const row = (e.target as HTMLElement).closest<HTMLElement>('.tree-row');
    if (!row) return;
    const rows = this.visibleRows();
    const at = rows.indexOf(row);
    const li = row.parentElement!;
    const expandable = li.hasAttribute('aria-expanded');
    let handled = true;
    switch (e.key) {
      case 'ArrowDown':
        this.focus(rows[at + 1]);
        break;
      case 'ArrowUp':
        this.focus(rows[at - 1]);
        break;
      case 'Home':
        this.focus(rows[0]);
        break;
      case 'End':
        this.focus(rows.at(-1));
        break;
      case 'ArrowRight':
        if (expandable && li.getAttribute('aria-expanded') !== 'true') this.expand(row);
        else if (expandable) this.focus(li.querySelector<HTMLElement>(':scope > ul .tree-row') ?? undefined);
        break;
      case 'ArrowLeft':
        if (expandable && li.getAttribute('aria-expanded') === 'true') this.collapse(row);
        else this.focus(li.parentElement?.closest('li')?.querySelector<HTMLElement>(':scope > .tree-row') ?? undefined);
        break;
      case 'Enter':
      case ' ':
        if (row instanceof HTMLAnchorElement) location.hash = row.getAttribute('href')!;
        else row.click();
        break;
      default:
        handled = false;
    }
    if (handled) e.preventDefault();
  }

  /** Marks node i as the current page and, in the project tree, expands the folders down to it. */
  reveal(i: number | null): void {
    if (i === null) {
      this.current = null;
      return this.mark(null);
    }
    const key = `node/${this.store.index.ids[i]}`;
    this.current = key;
    if (this.tab === 'project') {
      const { index } = this.store;
      const pkg = index.packages[index.pkg[i]!]!;
      let folder = `project/${pkg}`;
      const keys = [folder];
      for (const part of index.paths[i]!.split('/').slice(0, -1)) keys.push((folder += `/${part}`));
      for (const k of keys) {
        const row = this.rows.get(k);
        if (row) this.expand(row);
      }
      // A node past the first page of its folder: page on until it is drawn.
      let guard = 100;
      while (!this.rows.has(key) && guard-- > 0) {
        const more = this.rows.get(keys.at(-1)!)?.parentElement?.querySelector<HTMLElement>(':scope > ul > li:last-child > .tree-row.more');
        if (!more) break;
        more.click();
      }
    }
    this.mark(key);
  }

  private mark(key: string | null): void {
    for (const r of this.treeEl.querySelectorAll('.tree-row.current')) {
      r.classList.remove('current');
      r.parentElement!.removeAttribute('aria-selected');
    }
    const row = key ? this.rows.get(key) : undefined;
    if (!row || row.closest('ul[hidden]')) return;
    row.classList.add('current');
    row.parentElement!.setAttribute('aria-selected', 'true');
    for (const r of this.treeEl.querySelectorAll<HTMLElement>('.tree-row[tabindex="0"]')) r.tabIndex = -1;
    row.tabIndex = 0;
    const box = row.getBoundingClientRect();
    const side = this.element.getBoundingClientRect();
    if (box.top < side.top || box.bottom > side.bottom) row.scrollIntoView({ block: 'center' });
  }
}
