import type { ColumnDoc, DocsNodeType } from '../docs-data.js';
import { layoutNeighbourhood, NODE_H, NODE_W } from '../lineage-layout.js';
import { collapseWideLevels, neighbourhood, type LevelGroup, type Neighbourhood } from '../neighbourhood.js';
import { h, svg } from './dom.js';
import type { DocsStore } from './store.js';
import { columnLineageHref, lineageHref, nodeHref, TYPE_LABEL } from './widgets.js';

declare global {
  interface Window {
    /** For browser tests and the benchmark: the last lineage view (ms from route to fitted drawing). */
    __strataLastLineage?: { readonly ms: number; readonly nodes: number; readonly drawn: number; readonly groups: number };
  }
}

const PAD = 24;
/** Room left and right for edges between nodes of one level (they arc outside the column). */
const SIDE = 70;
/** Nodes drawn per level before the rest goes into a "+N more" group; each click on it shows STEP more. */
const PER_LEVEL = 15;
const STEP = 40;
const MAX_DEPTH = 20;

/** What is drawn: a neighbourhood of node or column vertices and how to label each. */
interface LineageGraph {
  readonly hood: Neighbourhood;
  readonly focus: number;
  readonly label: (v: number) => string;
  readonly type: (v: number) => DocsNodeType | 'unknown';
  /** The docs node id of a vertex (unknown relations: their name). */
  readonly nodeId: (v: number) => string;
  readonly column?: (v: number) => string;
  /** Where clicking a vertex goes (re-centre on it). */
  readonly href: (v: number) => string;
  /** Vertices are numbered below this; groups get ids from it. */
  readonly size: number;
}

/**
 * The lineage graph around a node (`#/lineage/<id>?up=2&down=2`) or around one of its columns
 * (`&column=<name>`: upstream and downstream column lineage). Every node within the depth is
 * accounted for: wide levels show their first nodes and a "+N more" group that shows more when
 * clicked (`&show=<level>:<n>` in the URL). The drawing fits the window, then zooms (wheel,
 * buttons, + and -) and pans (drag). Only the neighbourhood is laid out, so it is as fast at
 * 10,000 models as at 10.
 */
export async function renderLineage(store: DocsStore, focus: number, params: URLSearchParams): Promise<HTMLElement> {
  const started = performance.now();
  const depth = (key: string): number => Math.max(0, Math.min(MAX_DEPTH, Math.trunc(Number(params.get(key) ?? 2)) || 0));
  const up = depth('up');
  const down = depth('down');
  const column = params.get('column');
  const show = parseShow(params.get('show'));
  const id = store.index.ids[focus]!;
  const graph = column ? await columnGraph(store, focus, column, up, down) : nodeGraph(store, focus, up, down);
  const collapsed = collapseWideLevels(graph.hood, graph.size, (l) => show.get(l) ?? PER_LEVEL, graph.label);
  const groups = new Map(collapsed.groups.map((g) => [g.id, g]));
  const layout = layoutNeighbourhood(collapsed, (v) => (groups.has(v) ? '' : graph.label(v)), new Set(groups.keys()));
  const pos = new Map(layout.nodes.map((n) => [n.node, n]));

  const hrefWith = (changes: Record<string, string | null>): string => {
    const q = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) if (v === null) q.delete(k);
    else q.set(k, v);
    return `#/lineage/${encodeURIComponent(id)}?${q.toString()}`;
  };
  const expand = (g: LevelGroup): void => {
    const next = new Map(show);
    next.set(g.level, (show.get(g.level) ?? PER_LEVEL) + STEP);
    location.hash = hrefWith({ show: [...next].map(([l, n]) => `${l}:${n}`).join(',') });
  };

  const width = layout.width + 2 * PAD + 2 * SIDE;
  const height = layout.height + 2 * PAD;
  const root = svg('svg', { id: 'lineage-svg', class: 'lineage', role: 'img', 'aria-label': `lineage of ${graph.label(graph.focus)}`, viewBox: `0 0 ${width} ${height}` });
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse', markerUnits: 'userSpaceOnUse' });
  marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }));
  defs.append(marker);
  const scene = svg('g', { class: 'scene' });
  root.append(defs, scene);

  for (const [from, to] of collapsed.edges) {
    const a = pos.get(from)!;
    const b = pos.get(to)!;
    const x1 = a.x + NODE_W + PAD + SIDE;
    const y1 = a.y + NODE_H / 2 + PAD;
    const x2 = b.x + PAD + SIDE - 2;
    const y2 = b.y + NODE_H / 2 + PAD;
    const mx = (x1 + x2) / 2;
    const d = x2 > x1 ? `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}` : `M${x1},${y1} C${x1 + 60},${y1} ${x2 - 60},${y2} ${x2},${y2}`;
    // The far end: away from the focus (downstream edges lead right, upstream edges left).
    const far = (collapsed.levels.get(to) ?? 0) > 0 ? to : from;
    const g = svg('g', { class: 'edge', 'data-from': vertexKey(graph, groups, from), 'data-to': vertexKey(graph, groups, to) });
    const title = svg('title');
    title.textContent = `${vertexLabel(graph, groups, from)} → ${vertexLabel(graph, groups, to)}`;
    g.append(svg('path', { d, class: 'edge-hit' }), svg('path', { d, class: 'edge-line', 'marker-end': 'url(#arrow)' }), title);
    g.addEventListener('click', () => {
      if (moved) return;
      const group = groups.get(far);
      if (group) expand(group);
      else location.hash = graph.href(far);
    });
    scene.append(g);
  }
  for (const n of layout.nodes) {
    const group = groups.get(n.node);
    const g = group
      ? svg('g', { class: 'node group', 'data-level': group.level, 'data-hidden': group.hidden.length, tabindex: 0, role: 'button', transform: `translate(${n.x + PAD + SIDE},${n.y + PAD})` })
      : svg('g', {
          class: `node type-${graph.type(n.node)}${n.node === graph.focus ? ' focus' : ''}${endType(graph.type(n.node)) ? ' end' : ''}`,
          'data-id': graph.nodeId(n.node),
          ...(graph.column ? { 'data-column': graph.column(n.node) } : {}),
          tabindex: 0,
          role: 'link',
          transform: `translate(${n.x + PAD + SIDE},${n.y + PAD})`,
        });
    const type = group ? null : graph.type(n.node);
    const end = type !== null && endType(type);
    g.append(svg('rect', { width: NODE_W, height: NODE_H, rx: end ? NODE_H / 2 : group ? 12 : 6 }));
    const text = svg('text', { x: end ? 14 : 10, y: NODE_H / 2 + 4 });
    const label = group ? `+${group.hidden.length} more` : `${type === 'exposure' ? '▣ ' : type === 'metric' ? '◆ ' : ''}${graph.label(n.node)}`;
    text.textContent = label.length > 28 ? `${label.slice(0, 27)}…` : label;
    const title = svg('title');
    title.textContent = group
      ? `${group.hidden.length} more at this level: ${group.hidden.slice(0, 12).map(graph.label).join(', ')}${group.hidden.length > 12 ? ', …' : ''} — click to show ${Math.min(STEP, group.hidden.length)} more`
      : `${graph.label(n.node)} (${type === 'unknown' ? 'not in the docs' : TYPE_LABEL[type!]}) — click to centre, double-click to open`;
    g.append(text, title);
    const activate = (): void => {
      if (moved) return;
      if (group) expand(group);
      else location.hash = graph.href(n.node);
    };
    g.addEventListener('click', activate);
    g.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        activate();
      }
    });
    if (!group && graph.type(n.node) !== 'unknown') g.addEventListener('dblclick', () => (location.hash = nodeHref(graph.nodeId(n.node))));
    scene.append(g);
  }

  // Zoom and pan by moving the viewBox; "fit" shows the whole drawing (never enlarged past 1:1).
  const wrap = h('div', { class: 'graph-wrap', id: 'graph-wrap', tabindex: 0, 'aria-label': 'lineage graph: drag to pan, + and - zoom, 0 fits' }, root as unknown as Node);
  let view = { x: 0, y: 0, w: width, h: height };
  let fitted = false;
  let moved = false;
  const apply = (): void => root.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`);
  const fit = (): void => {
    const top = wrap.getBoundingClientRect().top;
    wrap.style.height = `${Math.max(320, Math.floor(window.innerHeight - Math.max(0, top) - 16))}px`;
    const box = root.getBoundingClientRect();
    if (!box.width || !box.height) return;
    const scale = Math.min(box.width / width, box.height / height, 1);
    const w = box.width / scale;
    const hh = box.height / scale;
    view = { x: (width - w) / 2, y: (height - hh) / 2, w, h: hh };
    apply();
    root.dataset['fit'] = 'true';
    if (!fitted) {
      fitted = true;
      window.__strataLastLineage = { ms: Math.round((performance.now() - started) * 10) / 10, nodes: graph.hood.levels.size, drawn: layout.nodes.length - groups.size, groups: groups.size };
    }
  };
  const zoom = (factor: number, cx = 0.5, cy = 0.5): void => {
    const w = Math.min(Math.max(view.w / factor, 50), width * 20);
    const hh = (w / view.w) * view.h;
    view = { x: view.x + (view.w - w) * cx, y: view.y + (view.h - hh) * cy, w, h: hh };
    apply();
    root.dataset['fit'] = 'false';
  };
  root.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const box = root.getBoundingClientRect();
      zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, (e.clientX - box.left) / box.width, (e.clientY - box.top) / box.height);
    },
    { passive: false },
  );
  let drag: { x: number; y: number; vx: number; vy: number } | null = null;
  root.addEventListener('pointerdown', (e) => {
    moved = false;
    // The keyboard zoom (+ - 0) follows a click on the drawing's background.
    if (!(e.target as Element).closest('.node')) wrap.focus({ preventScroll: true });
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
  });
  root.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!moved && Math.hypot(dx, dy) < 4) return;
    if (!moved) root.setPointerCapture(e.pointerId);
    moved = true;
    const s = view.w / root.getBoundingClientRect().width;
    view = { ...view, x: drag.vx - dx * s, y: drag.vy - dy * s };
    apply();
    root.dataset['fit'] = 'false';
  });
  const endDrag = (): void => {
    drag = null;
    // A click follows pointerup; let it see `moved`, then reset.
    setTimeout(() => (moved = false), 0);
  };
  root.addEventListener('pointerup', endDrag);
  root.addEventListener('pointercancel', endDrag);
  wrap.addEventListener('keydown', (e) => {
    if (e.key === '+' || e.key === '=') zoom(1.25);
    else if (e.key === '-') zoom(1 / 1.25);
    else if (e.key === '0') fit();
  });
  const observer = new ResizeObserver(() => {
    if (!wrap.isConnected) return observer.disconnect();
    if (root.dataset['fit'] !== 'false') fit();
  });
  observer.observe(wrap);

  const depthInput = (key: 'up' | 'down', label: string, value: number): HTMLElement =>
    h(
      'label',
      null,
      `${label} `,
      h('input', {
        id: `${key}-depth`,
        type: 'number',
        min: 0,
        max: MAX_DEPTH,
        value,
        onchange: (e: Event) => (location.hash = hrefWith({ [key]: String(Math.max(0, Math.min(MAX_DEPTH, Number((e.target as HTMLInputElement).value) || 0))), show: null })),
      }),
    );
  const levels = [...graph.hood.levels.values()];
  const hidden = collapsed.groups.reduce((s, g) => s + g.hidden.length, 0);
  const what = column ? `${store.index.names[focus]}.${column}` : store.index.names[focus]!;
  const unit = column ? 'columns' : 'nodes';
  return h(
    'div',
    { class: 'page lineage-page', 'data-focus': id, ...(column ? { 'data-column': column } : {}) },
    h(
      'header',
      { class: 'page-head' },
      h('h1', { id: 'page-title' }, `${column ? 'Column lineage' : 'Lineage'} of ${what}`),
      h('a', { href: nodeHref(id), class: 'button', id: 'open-page' }, 'Open page'),
      column ? h('a', { href: lineageHref(id, up, down), class: 'button', id: 'node-lineage' }, 'Model lineage') : null,
    ),
    h(
      'div',
      { class: 'controls' },
      depthInput('up', 'upstream levels', up),
      depthInput('down', 'downstream levels', down),
      h('span', { class: 'zoom-buttons' }, h('button', { type: 'button', id: 'zoom-out', title: 'zoom out (-)', onclick: () => zoom(1 / 1.25) }, '−'), h('button', { type: 'button', id: 'zoom-in', title: 'zoom in (+)', onclick: () => zoom(1.25) }, '+'), h('button', { type: 'button', id: 'fit', title: 'fit to the window (0)', onclick: fit }, 'Fit')),
      h(
        'span',
        { class: 'muted', id: 'lineage-stats', 'data-nodes': graph.hood.levels.size, 'data-hidden': hidden },
        `${graph.hood.levels.size} ${unit} (${levels.filter((l) => l < 0).length} upstream, ${levels.filter((l) => l > 0).length} downstream), ${graph.hood.edges.length} edges`,
        hidden ? `; ${hidden} in "+N more" groups (click one to show more)` : '',
      ),
    ),
    h(
      'div',
      { class: 'legend' },
      ...Object.entries(TYPE_LABEL)
        .filter(([t]) => (store.index.counts as Record<string, number>)[t])
        .map(([t, l]) => h('span', { class: `legend-item type-${t}` }, l)),
      h('span', { class: 'muted legend-hint' }, 'drag to pan, wheel or + − to zoom, 0 to fit'),
    ),
    wrap,
  );
}

const endType = (t: DocsNodeType | 'unknown'): boolean => t === 'exposure' || t === 'metric';

function vertexKey(g: LineageGraph, groups: ReadonlyMap<number, LevelGroup>, v: number): string {
  const group = groups.get(v);
  if (group) return `group:${group.level}`;
  return g.column ? `${g.nodeId(v)}.${g.column(v)}` : g.nodeId(v);
}

function vertexLabel(g: LineageGraph, groups: ReadonlyMap<number, LevelGroup>, v: number): string {
  const group = groups.get(v);
  return group ? `${group.hidden.length} more` : g.label(v);
}

/** `show=2:55,-1:55` → level → nodes drawn. */
function parseShow(raw: string | null): Map<number, number> {
  const m = new Map<number, number>();
  for (const part of (raw ?? '').split(',')) {
    const [l, n] = part.split(':').map(Number);
    if (Number.isInteger(l) && Number.isInteger(n) && n! > 0) m.set(l!, Math.min(n!, 100_000));
  }
  return m;
}

function nodeGraph(store: DocsStore, focus: number, up: number, down: number): LineageGraph {
  const { index } = store;
  // No node limit: wide levels are collapsed into groups instead of cut off.
  const hood = neighbourhood(focus, index.parents, store.children, { up, down, limit: Number.POSITIVE_INFINITY });
  return {
    hood,
    focus,
    size: index.ids.length,
    label: (v) => index.names[v]!,
    type: (v) => index.types[v]!,
    nodeId: (v) => index.ids[v]!,
    href: (v) => lineageHref(index.ids[v]!, up, down),
  };
}

/**
 * The column lineage around `column` of node `focus`: upstream through each column's
 * `lineage.sources`, downstream through its `downstream` columns, loading details as needed.
 */
async function columnGraph(store: DocsStore, focus: number, column: string, up: number, down: number): Promise<LineageGraph> {
  const { index } = store;
  const vertices: { node: string; column: string }[] = [];
  const numbers = new Map<string, number>();
  const vertex = (node: string, col: string): number => {
    const key = `${node}\u0000${col}`;
    let v = numbers.get(key);
    if (v === undefined) {
      v = vertices.length;
      vertices.push({ node, column: col });
      numbers.set(key, v);
    }
    return v;
  };
  // Models, seeds, snapshots and sources have columns; other kinds end the walk.
  const columnsOf = async (node: string): Promise<readonly ColumnDoc[]> => {
    const i = store.position.get(node);
    if (i === undefined) return [];
    const d = await store.detail(i);
    return d.kind === 'node' || d.kind === 'source' ? d.columns : [];
  };
  const start = vertex(index.ids[focus]!, column);
  const levels = new Map<number, number>([[start, 0]]);
  const edges = new Set<string>();
  const walk = async (maxDepth: number, sign: 1 | -1): Promise<void> => {
    let frontier = [start];
    for (let d = 1; d <= maxDepth && frontier.length; d++) {
      const next: number[] = [];
      for (const v of frontier) {
        const { node, column: col } = vertices[v]!;
        const c = (await columnsOf(node)).find((x) => x.name.toLowerCase() === col.toLowerCase());
        const linked = sign < 0 ? (c?.lineage?.sources ?? []) : (c?.downstream ?? []);
        for (const s of linked) {
          const w = vertex(s.node, s.column);
          edges.add(sign < 0 ? `${w}>${v}` : `${v}>${w}`);
          if (levels.has(w)) continue;
          levels.set(w, sign * d);
          next.push(w);
        }
      }
      frontier = next;
    }
  };
  await walk(up, -1);
  await walk(down, 1);
  const hood: Neighbourhood = {
    levels,
    edges: [...edges].map((e) => e.split('>').map(Number) as [number, number]).filter(([a, b]) => levels.has(a) && levels.has(b)),
    truncated: false,
  };
  const nodeIndex = (v: number): number | undefined => store.position.get(vertices[v]!.node);
  const nodeName = (v: number): string => {
    const i = nodeIndex(v);
    return i === undefined ? vertices[v]!.node : index.names[i]!;
  };
  return {
    hood,
    focus: start,
    size: vertices.length,
    label: (v) => `${nodeName(v)}.${vertices[v]!.column}`,
    type: (v) => {
      const i = nodeIndex(v);
      return i === undefined ? 'unknown' : index.types[i]!;
    },
    nodeId: (v) => vertices[v]!.node,
    column: (v) => vertices[v]!.column,
    href: (v) => columnLineageHref(vertices[v]!.node, vertices[v]!.column, up, down),
  };
}
