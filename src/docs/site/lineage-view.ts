import { layoutNeighbourhood, NODE_H, NODE_W } from '../lineage-layout.js';
import { neighbourhood } from '../neighbourhood.js';
import { h, svg } from './dom.js';
import type { DocsStore } from './store.js';
import { lineageHref, nodeHref, TYPE_LABEL } from './widgets.js';

const PAD = 20;

/**
 * The lineage graph around node `focus`: `up` levels of parents and `down` levels of children,
 * laid out in columns. Clicking a node re-centres on it; clicking an edge follows it to the node
 * at its far end. Only the neighbourhood is drawn, so the view is as fast at 10,000 nodes as at 10.
 */
export function renderLineage(store: DocsStore, focus: number, up: number, down: number): HTMLElement {
  const { index } = store;
  const hood = neighbourhood(focus, index.parents, store.children, { up, down, limit: 400 });
  const layout = layoutNeighbourhood(hood, (i) => index.names[i]!);
  const pos = new Map(layout.nodes.map((n) => [n.node, n]));
  const root = svg('svg', { id: 'lineage-svg', width: layout.width + 2 * PAD, height: layout.height + 2 * PAD, class: 'lineage' });
  const go = (i: number): void => {
    location.hash = lineageHref(index.ids[i]!, up, down);
  };
  for (const [from, to] of hood.edges) {
    const a = pos.get(from)!;
    const b = pos.get(to)!;
    const x1 = a.x + NODE_W + PAD;
    const y1 = a.y + NODE_H / 2 + PAD;
    const x2 = b.x + PAD;
    const y2 = b.y + NODE_H / 2 + PAD;
    const mx = (x1 + x2) / 2;
    const d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
    // The far end: away from the focus (downstream edges lead right, upstream edges left).
    const far = hood.levels.get(to)! > 0 ? to : from;
    const g = svg('g', { class: 'edge', 'data-from': index.ids[from]!, 'data-to': index.ids[to]! });
    const hit = svg('path', { d, class: 'edge-hit' });
    const line = svg('path', { d, class: 'edge-line' });
    const title = svg('title');
    title.textContent = `${index.names[from]} → ${index.names[to]} (click to go to ${index.names[far]})`;
    g.append(hit, line, title);
    g.addEventListener('click', () => go(far));
    root.append(g);
  }
  for (const n of layout.nodes) {
    const type = index.types[n.node]!;
    const g = svg('g', {
      class: `node type-${type}${n.node === focus ? ' focus' : ''}`,
      'data-id': index.ids[n.node]!,
      transform: `translate(${n.x + PAD},${n.y + PAD})`,
    });
    const rect = svg('rect', { width: NODE_W, height: NODE_H, rx: 6 });
    const text = svg('text', { x: 10, y: NODE_H / 2 + 4 });
    const name = index.names[n.node]!;
    text.textContent = name.length > 26 ? `${name.slice(0, 25)}…` : name;
    const title = svg('title');
    title.textContent = `${name} (${TYPE_LABEL[type]}) — click to centre, double-click to open`;
    g.append(rect, text, title);
    g.addEventListener('click', () => go(n.node));
    g.addEventListener('dblclick', () => (location.hash = nodeHref(index.ids[n.node]!)));
    root.append(g);
  }
  const depthInput = (id: string, label: string, value: number, apply: (v: number) => string): HTMLElement =>
    h(
      'label',
      null,
      `${label} `,
      h('input', {
        id,
        type: 'number',
        min: 0,
        max: 20,
        value,
        onchange: (e: Event) => (location.hash = apply(Math.max(0, Math.min(20, Number((e.target as HTMLInputElement).value) || 0)))),
      }),
    );
  const id = index.ids[focus]!;
  const counts = [...hood.levels.values()];
  return h(
    'div',
    { class: 'page lineage-page', 'data-focus': id },
    h(
      'header',
      { class: 'page-head' },
      h('h1', { id: 'page-title' }, `Lineage of ${index.names[focus]}`),
      h('a', { href: nodeHref(id), class: 'button', id: 'open-page' }, 'Open page'),
    ),
    h(
      'div',
      { class: 'controls' },
      depthInput('up-depth', 'upstream levels', up, (v) => lineageHref(id, v, down)),
      depthInput('down-depth', 'downstream levels', down, (v) => lineageHref(id, up, v)),
      h(
        'span',
        { class: 'muted', id: 'lineage-stats' },
        `${hood.levels.size} nodes (${counts.filter((l) => l < 0).length} upstream, ${counts.filter((l) => l > 0).length} downstream), ${hood.edges.length} edges${hood.truncated ? ' — truncated at 400 nodes, lower the depth' : ''}`,
      ),
    ),
    h('div', { class: 'legend' }, ...Object.entries(TYPE_LABEL).filter(([t]) => (index.counts as Record<string, number>)[t]).map(([t, l]) => h('span', { class: `legend-item type-${t}` }, l))),
    h('div', { class: 'graph-wrap' }, root as unknown as Node),
  );
}
