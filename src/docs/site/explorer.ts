import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { h } from './dom.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

interface Meta {
  readonly models: readonly { readonly name: string; readonly dimensions: readonly { readonly member: string; readonly type: string; readonly granularities: readonly string[] }[] }[];
  readonly metrics: readonly { readonly name: string; readonly type: string; readonly description: string }[];
  readonly hierarchies: readonly { readonly name: string; readonly levels: readonly string[] }[];
}

interface QueryResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly Record<string, unknown>[];
  readonly meta: { readonly ms: number; readonly cache: string; readonly drill?: { readonly level: string; readonly depth: number; readonly isLeaf: boolean } };
}

declare global {
  interface Window {
    /** For browser tests: the current chart (Chart.js instance). */
    __strataChart?: Chart;
  }
}

const TOKEN_KEY = 'strata.docs.token';

/**
 * The metric explorer (needs `strata serve`): pick a metric and dimensions, see a table and a
 * chart; with a hierarchy chosen, clicking a bar or a row drills one level down (the API's
 * `drill` query), the breadcrumb goes back up.
 */
export function renderExplorer(params: URLSearchParams): HTMLElement {
  const token = h('input', { id: 'token', type: 'password', placeholder: 'token (not needed with strata serve --dev)', value: localStorage.getItem(TOKEN_KEY) ?? '' });
  const metric = h('select', { id: 'metric' });
  const dims = h('select', { id: 'dimensions', multiple: true, size: 6 });
  const hierarchy = h('select', { id: 'hierarchy' }, h('option', { value: '' }, '(no drill-down)'));
  const status = h('p', { id: 'status', class: 'muted' }, 'Loading the metric catalogue…');
  const crumbs = h('nav', { id: 'drill-path', class: 'crumbs' });
  const canvas = h('canvas', { id: 'chart', width: 900, height: 320 });
  const tableWrap = h('div', { id: 'result' });
  let meta: Meta | undefined;
  let path: [string, unknown][] = [];
  let chart: Chart | undefined;

  const headers = (): Record<string, string> => {
    const t = token.value.trim();
    return { 'content-type': 'application/json', ...(t ? { authorization: `Bearer ${t}` } : {}) };
  };
  const api = async <T>(url: string, body?: unknown): Promise<T> => {
    const r = await fetch(url, body === undefined ? { headers: headers() } : { method: 'POST', headers: headers(), body: JSON.stringify(body) });
    const j = (await r.json()) as T & { error?: { message?: string } };
    if (!r.ok) throw new Error(j.error?.message ?? `HTTP ${r.status}`);
    return j;
  };

  const loadMeta = async (): Promise<void> => {
    localStorage.setItem(TOKEN_KEY, token.value.trim());
    try {
      meta = await api<Meta>('/api/v1/meta');
    } catch (e) {
      status.textContent = `Could not load metrics: ${(e as Error).message}. Paste a token from \`strata token\`.`;
      status.className = 'warn';
      return;
    }
    metric.replaceChildren(...meta.metrics.map((m) => h('option', { value: m.name, title: m.description }, `${m.name} (${m.type})`)));
    const wanted = params.get('metric');
    if (wanted && meta.metrics.some((m) => m.name === wanted)) metric.value = wanted;
    dims.replaceChildren(
      ...meta.models.flatMap((m) => m.dimensions.flatMap((d) => (d.type === 'time' ? d.granularities.map((g) => `${d.member}.${g}`) : [d.member]))).map((d) => h('option', { value: d }, d)),
    );
    hierarchy.replaceChildren(h('option', { value: '' }, '(no drill-down)'), ...meta.hierarchies.map((x) => h('option', { value: x.name }, `${x.name}: ${x.levels.join(' → ')}`)));
    status.textContent = `${meta.metrics.length} metrics. Choose a metric and dimensions or a hierarchy, then Run.`;
    status.className = 'muted';
  };

  const run = async (): Promise<void> => {
    if (!meta) return;
    const h0 = hierarchy.value;
    const levels = meta.hierarchies.find((x) => x.name === h0)?.levels ?? [];
    const selected = [...dims.selectedOptions].map((o) => o.value).filter((d) => !levels.includes(d));
    const query = {
      metrics: [metric.value],
      dimensions: selected,
      ...(h0 ? { drill: { hierarchy: h0, path: Object.fromEntries(path) } } : {}),
      limit: 500,
    };
    status.textContent = 'Running…';
    status.className = 'muted';
    let res: QueryResult;
    try {
      res = await api<QueryResult>('/api/v1/query', query);
    } catch (e) {
      status.textContent = `Query failed: ${(e as Error).message}`;
      status.className = 'warn';
      return;
    }
    const level = res.meta.drill?.level;
    const labelCols = level ? [...selected, level] : selected;
    const drillable = level !== undefined && !res.meta.drill!.isLeaf;
    status.textContent = `${res.rows.length} rows in ${res.meta.ms} ms (cache ${res.meta.cache})${level ? ` — level ${level}${drillable ? ': click a bar or row to drill down' : ' (finest level)'}` : ''}`;
    const drill = (row: Record<string, unknown>): void => {
      if (!drillable) return;
      path = [...path, [level, row[level]]];
      void run();
    };
    renderCrumbs(h0, levels);
    renderTable(res, drill, drillable);
    renderChart(res, labelCols, drill, level ? res.columns.find((c) => c.name === level)?.type === 'time' : res.columns.find((c) => c.name === labelCols[0])?.type === 'time');
  };

  const renderCrumbs = (name: string, levels: readonly string[]): void => {
    if (!name) return crumbs.replaceChildren();
    const items: HTMLElement[] = [h('a', { href: 'javascript:void 0', 'data-depth': 0, onclick: () => ((path = []), void run()) }, `all (${levels[0]})`)];
    path.forEach(([lvl, v], i) =>
      items.push(h('span', null, ' › '), h('a', { href: 'javascript:void 0', 'data-depth': i + 1, onclick: () => ((path = path.slice(0, i + 1)), void run()) }, `${lvl} = ${fmt(v)}`)),
    );
    crumbs.replaceChildren(...items);
  };

  const renderTable = (res: QueryResult, drill: (r: Record<string, unknown>) => void, drillable: boolean): void => {
    tableWrap.replaceChildren(
      h(
        'table',
        { class: 'grid', id: 'result-table' },
        h('thead', null, h('tr', null, ...res.columns.map((c) => h('th', null, c.name)))),
        h('tbody', null, ...res.rows.map((r) => h('tr', { class: drillable ? 'drillable' : '', onclick: () => drill(r) }, ...res.columns.map((c) => h('td', null, fmt(r[c.name])))))),
      ),
    );
  };

  const renderChart = (res: QueryResult, labelCols: readonly string[], drill: (r: Record<string, unknown>) => void, time: boolean): void => {
    const value = metric.value;
    const labels = res.rows.map((r) => (labelCols.length ? labelCols.map((c) => fmt(r[c])).join(' / ') : value));
    const data = res.rows.map((r) => Number(r[value]));
    chart?.destroy();
    chart = new Chart(canvas, {
      type: time ? 'line' : 'bar',
      data: { labels, datasets: [{ label: value, data, backgroundColor: '#4f7cff', borderColor: '#2d5be3' }] },
      options: {
        animation: false,
        responsive: false,
        onClick: (_e, elements) => {
          const el = elements[0];
          if (el) drill(res.rows[el.index]!);
        },
      },
    });
    canvas.dataset['points'] = String(data.length);
    window.__strataChart = chart;
  };

  hierarchy.addEventListener('change', () => {
    path = [];
  });
  const page = h(
    'div',
    { class: 'page explorer' },
    h('header', { class: 'page-head' }, h('h1', { id: 'page-title' }, 'Metric explorer')),
    h(
      'div',
      { class: 'card explorer-form' },
      h('label', null, 'Token ', token, ' ', h('button', { type: 'button', id: 'connect', onclick: () => void loadMeta() }, 'Connect')),
      h('label', null, 'Metric ', metric),
      h('label', null, 'Dimensions ', dims),
      h('label', null, 'Drill down along ', hierarchy),
      h('button', { type: 'button', id: 'run', class: 'primary', onclick: () => ((path = []), void run()) }, 'Run'),
    ),
    status,
    crumbs,
    h('div', { class: 'card' }, canvas),
    tableWrap,
  );
  void loadMeta();
  return page;
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2);
  const s = String(v);
  // Timestamps at midnight read better as dates.
  return /^\d{4}-\d{2}-\d{2}T00:00:00(\.000)?Z?$/.test(s) ? s.slice(0, 10) : s;
}
