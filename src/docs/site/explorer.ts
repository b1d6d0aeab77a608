import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartDataset } from 'chart.js';
import type { MetricDetail } from '../docs-data.js';
import { h } from './dom.js';
import type { DocsStore } from './store.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

interface MetaDimension {
  readonly member: string;
  readonly type: string;
  readonly granularities: readonly string[];
}

interface Meta {
  readonly models: readonly { readonly name: string; readonly dimensions: readonly MetaDimension[] }[];
  readonly metrics: readonly { readonly name: string; readonly type: string; readonly description: string }[];
  readonly hierarchies: readonly { readonly name: string; readonly levels: readonly string[] }[];
}

interface QueryResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: readonly Record<string, unknown>[];
  readonly meta: { readonly ms: number; readonly cache: string; readonly truncated?: boolean; readonly drill?: { readonly level: string; readonly depth: number; readonly isLeaf: boolean } };
}

/** One filter as the query API takes it (`filters: [{member, op, values}]`). */
interface Filter {
  readonly member: string;
  readonly op: string;
  readonly values: readonly string[];
}

/** What one metric can be grouped and filtered by, for the caller (the API meta ∩ the docs data). */
interface MetricChoices {
  /** Groupable members: plain dimensions, and time dimensions once per granularity (`orders.ordered_at.month`). */
  readonly groupBy: readonly { readonly value: string; readonly time: boolean }[];
  /** Dimension members for filters (time dimensions without granularity). */
  readonly members: readonly MetaDimension[];
  readonly hierarchies: Meta['hierarchies'];
}

declare global {
  interface Window {
    /** For browser tests: the current chart (Chart.js instance). */
    __strataChart?: Chart;
  }
}

const TOKEN_KEY = 'strata.docs.token';
/** Filter operators offered (the API's FILTER_OPS but `between`); `in`/`not_in` take comma-separated values. */
const OPS: readonly (readonly [string, string])[] = [
  ['equals', '='],
  ['not_equals', '≠'],
  ['in', 'in (a,b,…)'],
  ['not_in', 'not in (a,b,…)'],
  ['contains', 'contains'],
  ['gt', '>'],
  ['gte', '≥'],
  ['lt', '<'],
  ['lte', '≤'],
  ['is_null', 'is empty'],
  ['not_null', 'is not empty'],
];
const NO_VALUE = new Set(['is_null', 'not_null']);
const LIST = new Set(['in', 'not_in']);
const PALETTE = ['#2d5be3', '#e8743b', '#19a979', '#ed4a7b', '#945ecf', '#13a4b4', '#d4a017', '#6c8893', '#bf399e', '#4f7cff'];
const OTHER_COLOR = '#a3a9b7';

/**
 * The metric explorer (needs `strata docs serve` or `strata serve`): pick a metric, an x-axis
 * dimension and optionally a dimension to split into series (top N by total plus "other"),
 * filters and a time range; see a chart (a line over time, grouped bars over categories), the
 * rows, the SQL it ran, and export the rows as CSV. Only dimensions the metric can be grouped by
 * and the caller may see are offered. With a hierarchy chosen, its drill level is the x axis and
 * clicking a bar or a row drills one level down (the API's `drill` query); the breadcrumb goes
 * back up. The view is kept in the URL (`#/explorer?metric=…&x=…&series=…&filter=…`).
 */
export function renderExplorer(params: URLSearchParams, store?: DocsStore): HTMLElement {
  const token = h('input', { id: 'token', type: 'password', placeholder: 'token from strata token (not needed with --dev)', autocomplete: 'off', value: localStorage.getItem(TOKEN_KEY) ?? '' });
  const metric = h('select', { id: 'metric' });
  const xDim = h('select', { id: 'x-dim' });
  const seriesDim = h('select', { id: 'series-dim' });
  const topN = h('input', { id: 'top-n', type: 'number', min: 1, max: 50, value: 8, title: 'series drawn (by total); the rest are summed into "other"' });
  const hierarchy = h('select', { id: 'hierarchy' }, h('option', { value: '' }, '(no drill-down)'));
  const filterRows = h('div', { class: 'filter-rows' });
  const from = h('input', { id: 'from', type: 'date' });
  const to = h('input', { id: 'to', type: 'date' });
  const rangeDim = h('span', { class: 'muted range-dim' });
  const status = h('p', { id: 'status', class: 'muted' }, 'Loading the metric catalogue…');
  const crumbs = h('nav', { id: 'drill-path', class: 'crumbs' });
  const canvas = h('canvas', { id: 'chart', width: 900, height: 320 });
  const tableWrap = h('div', { id: 'result', class: 'explorer-result' });
  const sql = h('pre', { id: 'sql', class: 'code explorer-sql' }, 'Run a query to see its SQL.');
  const exportCsv = h('button', { type: 'button', id: 'export-csv', disabled: true, title: 'download the rows as CSV' }, 'Export CSV');
  let meta: Meta | undefined;
  let choices: MetricChoices | undefined;
  let path: [string, unknown][] = [];
  let chart: Chart | undefined;
  let last: QueryResult | undefined;
  let runs = 0;
  const details = new Map<string, Promise<MetricDetail | undefined>>();

  const headers = (): Record<string, string> => {
    const t = token.value.trim();
    return { 'content-type': 'application/json', ...(t ? { authorization: `Bearer ${t}` } : {}) };
  };
  const api = async <T>(url: string, body?: unknown): Promise<T> => {
    const r = await fetch(url, body === undefined ? { headers: headers() } : { method: 'POST', headers: headers(), body: JSON.stringify(body) });
    const j = (await r.json().catch(() => ({}))) as T & { error?: { code?: string; message?: string } };
    if (!r.ok) throw new ApiFailure(r.status, j.error?.code ?? '', j.error?.message ?? `HTTP ${r.status}`);
    return j;
  };
  const warn = (text: string): void => {
    status.textContent = text;
    status.className = 'warn';
  };
  const note = (text: string): void => {
    status.textContent = text;
    status.className = 'muted';
  };

  /** The docs data of a metric (its groupable dimensions and hierarchies), when the site has it. */
  const detailOf = (name: string): Promise<MetricDetail | undefined> => {
    let p = details.get(name);
    if (!p) {
      p = (async () => {
        if (!store) return undefined;
        const ix = store.index;
        let i = store.position.get(`metric.${ix.project}.${name}`);
        if (i === undefined) i = ix.names.findIndex((n, k) => n === name && ix.types[k] === 'metric');
        if (i === undefined || i < 0) return undefined;
        const d = await store.detail(i).catch(() => undefined);
        return d?.kind === 'metric' ? d : undefined;
      })();
      details.set(name, p);
    }
    return p;
  };

  /** What the chosen metric can use: the members the API lists for the caller ∩ those the metric can be grouped by. */
  const choicesFor = async (name: string): Promise<MetricChoices> => {
    const visible = meta!.models.flatMap((m) => m.dimensions);
    const detail = await detailOf(name);
    const usable = detail ? new Set(detail.dimensions) : undefined;
    const members = visible.filter((d) => !usable || usable.has(d.member));
    const groupBy = members.flatMap((d) => (d.type === 'time' ? d.granularities.map((g) => ({ value: `${d.member}.${g}`, time: true })) : [{ value: d.member, time: false }]));
    const memberSet = new Set(members.map((d) => d.member));
    const named = detail ? new Set(detail.hierarchies.map((x) => x.name)) : undefined;
    const hierarchies = meta!.hierarchies.filter((x) => (!named || named.has(x.name)) && x.levels.every((l) => memberSet.has(l)));
    return { groupBy, members, hierarchies };
  };

  const option = (value: string, label: string = value): HTMLOptionElement => h('option', { value }, label);
  const keep = (select: HTMLSelectElement, value: string | null | undefined, fallback: string): void => {
    select.value = value && [...select.options].some((o) => o.value === value) ? value : fallback;
  };

  /** Re-fills the pickers for the chosen metric, keeping choices that still apply. */
  const refreshPickers = async (wanted?: { x?: string | null; series?: string | null; hierarchy?: string | null }): Promise<void> => {
    const name = metric.value;
    const c = await choicesFor(name);
    if (metric.value !== name) return;
    choices = c;
    const prev = { x: wanted?.x ?? xDim.value, series: wanted?.series ?? seriesDim.value, hierarchy: wanted?.hierarchy ?? hierarchy.value };
    xDim.replaceChildren(option('', '(none: one total)'), ...c.groupBy.map((d) => option(d.value)));
    seriesDim.replaceChildren(option('', '(no series)'), ...c.groupBy.map((d) => option(d.value)));
    hierarchy.replaceChildren(option('', '(no drill-down)'), ...c.hierarchies.map((x) => option(x.name, `${x.name}: ${x.levels.join(' → ')}`)));
    // Default x axis: the first time dimension by month (else its first granularity), else the first dimension.
    const time = c.groupBy.filter((d) => d.time);
    const fallback = (time.find((d) => d.value.endsWith('.month')) ?? time[0] ?? c.groupBy[0])?.value ?? '';
    keep(xDim, prev.x, wanted && 'x' in wanted ? '' : fallback);
    keep(seriesDim, prev.series, '');
    keep(hierarchy, prev.hierarchy, '');
    for (const row of filterRows.querySelectorAll<HTMLElement>('.filter-row')) {
      const dim = row.querySelector<HTMLSelectElement>('select.filter-dim')!;
      const was = dim.value;
      dim.replaceChildren(...c.members.map((d) => option(d.member)));
      keep(dim, was, c.members[0]?.member ?? '');
    }
    syncForm();
  };

  /** The x select is the drill level's while a hierarchy is chosen; the time range names its dimension. */
  const syncForm = (): void => {
    xDim.disabled = hierarchy.value !== '';
    xDim.title = xDim.disabled ? 'the x axis is the hierarchy level being drilled' : '';
    const t = rangeDimension();
    rangeDim.textContent = t ? `on ${t}` : 'no time dimension';
    from.disabled = to.disabled = !t;
  };

  /** The time dimension the from/to range applies to: the x axis when it is a time, else the metric's first. */
  const rangeDimension = (): string | undefined => {
    if (!choices) return undefined;
    const times = choices.members.filter((d) => d.type === 'time').map((d) => d.member);
    const x = xDim.disabled ? '' : xDim.value;
    return times.find((m) => x === m || x.startsWith(`${m}.`)) ?? times[0];
  };

  const addFilter = (f?: Filter): void => {
    const members = choices?.members ?? [];
    const dim = h('select', { class: 'filter-dim', 'aria-label': 'filter dimension' }, ...members.map((d) => option(d.member)));
    const op = h('select', { class: 'filter-op', 'aria-label': 'filter operator' }, ...OPS.map(([v, l]) => option(v, l)));
    const value = h('input', { class: 'filter-value', type: 'text', placeholder: 'value', 'aria-label': 'filter value' });
    const row = h('div', { class: 'filter-row' }, dim, op, value, h('button', { type: 'button', class: 'filter-remove', title: 'remove this filter', onclick: () => row.remove() }, '×'));
    if (f) {
      keep(dim, f.member, members[0]?.member ?? '');
      keep(op, f.op, 'equals');
      value.value = f.values.join(',');
    }
    const sync = (): void => {
      value.disabled = NO_VALUE.has(op.value);
      value.placeholder = LIST.has(op.value) ? 'a,b,c' : 'value';
    };
    op.addEventListener('change', sync);
    sync();
    filterRows.append(row);
  };

  const filters = (): Filter[] =>
    [...filterRows.querySelectorAll<HTMLElement>('.filter-row')].flatMap((row) => {
      const member = row.querySelector<HTMLSelectElement>('select.filter-dim')!.value;
      const op = row.querySelector<HTMLSelectElement>('select.filter-op')!.value;
      const raw = row.querySelector<HTMLInputElement>('input.filter-value')!.value;
      if (!member) return [];
      if (NO_VALUE.has(op)) return [{ member, op, values: [] }];
      const values = LIST.has(op) ? raw.split(',').map((v) => v.trim()).filter((v) => v !== '') : raw.trim() === '' ? [] : [raw.trim()];
      // A row without a value is not a filter yet.
      return values.length ? [{ member, op, values }] : [];
    });

  /** The API query of the form (values go to the API as data; it binds them as SQL parameters). */
  const buildQuery = (): Record<string, unknown> => {
    const h0 = hierarchy.value;
    const levels = meta?.hierarchies.find((x) => x.name === h0)?.levels ?? [];
    const base = (d: string): string => choices?.members.find((m) => d === m.member || d.startsWith(`${m.member}.`))?.member ?? d;
    const dims = [h0 ? '' : xDim.value, seriesDim.value].filter((d) => d !== '' && !levels.includes(base(d)));
    const t = rangeDimension();
    return {
      metrics: [metric.value],
      dimensions: [...new Set(dims)],
      ...(filters().length ? { filters: filters() } : {}),
      ...(t && (from.value || to.value) ? { time_range: { dimension: t, ...(from.value ? { from: from.value } : {}), ...(to.value ? { to: to.value } : {}) } } : {}),
      ...(h0 ? { drill: { hierarchy: h0, path: Object.fromEntries(path) } } : {}),
      // No limit: the server's row limit applies (meta.truncated says when rows were left out).
    };
  };

  /** The view in the hash (`#/explorer?metric=…`), replaced without a re-route. */
  const saveState = (): void => {
    const q = new URLSearchParams();
    q.set('metric', metric.value);
    if (hierarchy.value) q.set('hierarchy', hierarchy.value);
    else if (xDim.value) q.set('x', xDim.value);
    if (seriesDim.value) q.set('series', seriesDim.value);
    if (seriesDim.value && topN.value !== '8') q.set('top', topN.value);
    for (const f of filters()) q.append('filter', `${f.member}:${f.op}${f.values.length ? `:${f.values.join(',')}` : ''}`);
    if (from.value) q.set('from', from.value);
    if (to.value) q.set('to', to.value);
    history.replaceState(history.state, '', `#/explorer?${q.toString()}`);
  };

  let connects = 0;
  const loadMeta = async (): Promise<void> => {
    localStorage.setItem(TOKEN_KEY, token.value.trim());
    const mine = ++connects;
    let loaded: Meta;
    try {
      loaded = await api<Meta>('/api/v1/meta');
    } catch (e) {
      if (mine !== connects) return;
      meta = undefined;
      const f = e as ApiFailure;
      if (f.code === 'no_semantic_layer') warn(`No metric API here: ${f.message}.`);
      else if (f.status === 401 || f.status === 403) warn(`Could not load metrics: ${f.message}. Paste a token from \`strata token --role <role>\` and Connect.`);
      else if (f.status === 404) warn('No metric API at this address: open the site with `strata docs serve` (or `strata serve`, at /docs/).');
      else warn(`Could not load metrics: ${f.message}`);
      return;
    }
    // An answer for an earlier token is stale.
    if (mine !== connects) return;
    meta = loaded;
    if (meta.metrics.length === 0) return warn('This token’s role may see no metrics.');
    metric.replaceChildren(...meta.metrics.map((m) => h('option', { value: m.name, title: m.description }, `${m.name} (${m.type})`)));
    const wanted = params.get('metric');
    if (wanted && meta.metrics.some((m) => m.name === wanted)) metric.value = wanted;
    const fromUrl = wanted !== null && metric.value === wanted;
    await refreshPickers(fromUrl ? { x: params.get('x'), series: params.get('series'), hierarchy: params.get('hierarchy') } : undefined);
    if (fromUrl) {
      filterRows.replaceChildren();
      for (const f of params.getAll('filter')) {
        const m = /^([^:]+):([a-z_]+)(?::(.*))?$/s.exec(f);
        if (m) addFilter({ member: m[1]!, op: m[2]!, values: m[3] === undefined ? [] : m[3].split(',') });
      }
      from.value = /^\d{4}-\d{2}-\d{2}$/.test(params.get('from') ?? '') ? params.get('from')! : '';
      to.value = /^\d{4}-\d{2}-\d{2}$/.test(params.get('to') ?? '') ? params.get('to')! : '';
      const n = Number(params.get('top'));
      if (Number.isInteger(n) && n > 0) topN.value = String(n);
      syncForm();
      return run();
    }
    note(`${meta.metrics.length} metrics. Choose a metric, an x axis (and series) or a hierarchy, then Run.`);
  };

  const run = async (): Promise<void> => {
    if (!meta || !choices) return;
    const mine = ++runs;
    const h0 = hierarchy.value;
    const levels = meta.hierarchies.find((x) => x.name === h0)?.levels ?? [];
    const query = buildQuery();
    saveState();
    note('Running…');
    let res: QueryResult;
    try {
      res = await api<QueryResult>('/api/v1/query', query);
    } catch (e) {
      if (mine === runs) {
        warn(`Query failed: ${(e as Error).message}`);
        page.dataset['runs'] = String(mine);
      }
      return;
    }
    if (mine !== runs) return;
    exportCsv.disabled = false;
    void showSql(query, mine);
    const level = res.meta.drill?.level;
    const drillable = level !== undefined && !res.meta.drill!.isLeaf;
    const x = level ?? (xDim.value || undefined);
    const series = seriesDim.value && seriesDim.value !== x ? seriesDim.value : undefined;
    const isTime = (c: string | undefined): boolean => c !== undefined && res.columns.find((k) => k.name === c)?.type === 'time';
    const time = isTime(x);
    // Over time, rows (and so the table) go in time order; otherwise in the API's order.
    const rows = time ? [...res.rows].sort((a, b) => cmp(a[x!], b[x!]) || (series ? cmp(a[series], b[series]) : 0)) : res.rows;
    // The CSV export is the table: same rows, same order.
    last = { ...res, rows };
    status.textContent = `${rows.length} rows in ${res.meta.ms} ms (cache ${res.meta.cache})${res.meta.truncated ? ' — more rows than the server returns: add filters' : ''}${level ? ` — level ${level}${drillable ? ': click a bar or row to drill down' : ' (finest level)'}` : ''}`;
    status.className = 'muted';
    const drill = (value: unknown): void => {
      if (!drillable) return;
      path = [...path, [level, value]];
      void run();
    };
    renderCrumbs(h0, levels);
    renderTable(res.columns, rows, drillable ? (r) => drill(r[level]) : undefined);
    renderChart(rows, x, series, time, drillable ? drill : undefined);
    // Finished runs, for tests waiting on the next one.
    page.dataset['runs'] = String(mine);
  };

  const showSql = async (query: Record<string, unknown>, mine: number): Promise<void> => {
    try {
      const r = await api<{ sql: string; params: readonly unknown[] }>('/api/v1/sql', query);
      if (mine !== runs) return;
      sql.className = 'code explorer-sql';
      sql.textContent = r.params.length ? `${r.sql}\n\n-- parameters: ${r.params.map((p, i) => `$${i + 1} = ${JSON.stringify(p)}`).join(', ')}` : r.sql;
    } catch (e) {
      if (mine !== runs) return;
      sql.className = 'code explorer-sql muted';
      sql.textContent = `SQL not shown: ${(e as Error).message}`;
    }
  };

  const renderCrumbs = (name: string, levels: readonly string[]): void => {
    if (!name) return crumbs.replaceChildren();
    const items: HTMLElement[] = [h('a', { href: 'javascript:void 0', 'data-depth': 0, onclick: () => ((path = []), void run()) }, `all (${levels[0]})`)];
    path.forEach(([lvl, v], i) =>
      items.push(h('span', null, ' › '), h('a', { href: 'javascript:void 0', 'data-depth': i + 1, onclick: () => ((path = path.slice(0, i + 1)), void run()) }, `${lvl} = ${fmt(v)}`)),
    );
    crumbs.replaceChildren(...items);
  };

  const renderTable = (columns: QueryResult['columns'], rows: readonly Record<string, unknown>[], drill: ((r: Record<string, unknown>) => void) | undefined): void => {
    tableWrap.replaceChildren(
      h(
        'table',
        { class: 'grid', id: 'result-table' },
        h('thead', null, h('tr', null, ...columns.map((c) => h('th', { class: c.type === 'number' ? 'num' : '' }, c.name)))),
        h(
          'tbody',
          null,
          ...rows.map((r) => h('tr', { class: drill ? 'drillable' : '', onclick: drill ? () => drill(r) : undefined }, ...columns.map((c) => h('td', { class: typeof r[c.name] === 'number' ? 'num' : '' }, fmt(r[c.name]))))),
        ),
      ),
    );
  };

  const renderChart = (rows: readonly Record<string, unknown>[], x: string | undefined, series: string | undefined, time: boolean, drill: ((value: unknown) => void) | undefined): void => {
    const value = metric.value;
    const num = (r: Record<string, unknown>): number => {
      const n = Number(r[value]);
      return Number.isFinite(n) ? n : 0;
    };
    // X values in the rows' order (the table's), so bar i is the i-th distinct x of the table;
    // over time, every period from the first to the last (months without rows included).
    const periods = time && x ? fillPeriods(rows.map((r) => r[x]), x.split('.').pop()!) : undefined;
    const xs: unknown[] = [];
    const xIndex = new Map<string, number>();
    const raw = new Map<number, unknown>();
    const xKey = (r: Record<string, unknown>): string => (periods ? dayOf(r[x!])! : key(x ? r[x] : value));
    for (const p of periods ?? []) {
      xIndex.set(p, xs.length);
      xs.push(p);
    }
    for (const r of rows) {
      const k = xKey(r);
      if (!xIndex.has(k)) {
        xIndex.set(k, xs.length);
        xs.push(x ? r[x] : value);
      }
      if (!raw.has(xIndex.get(k)!)) raw.set(xIndex.get(k)!, x ? r[x] : value);
    }
    const labels = xs.map((v) => fmt(v));
    let datasets: ChartDataset<'bar' | 'line', (number | null)[]>[];
    if (!series) {
      const data: (number | null)[] = xs.map(() => null);
      for (const r of rows) {
        const i = xIndex.get(xKey(r))!;
        data[i] = (data[i] ?? 0) + num(r);
      }
      datasets = [{ label: value, data, backgroundColor: PALETTE[0], borderColor: PALETTE[0] }];
    } else {
      // One dataset per series value: the top N by total, the rest summed as "other".
      const totals = new Map<string, { v: unknown; total: number }>();
      for (const r of rows) {
        const k = key(r[series]);
        const t = totals.get(k) ?? { v: r[series], total: 0 };
        t.total += num(r);
        totals.set(k, t);
      }
      const n = Math.max(1, Math.min(50, Math.floor(Number(topN.value)) || 8));
      const ranked = [...totals.entries()].sort((a, b) => b[1].total - a[1].total || cmp(a[1].v, b[1].v));
      const top = ranked.slice(0, ranked.length > n ? n : ranked.length);
      const slot = new Map(top.map(([k], i) => [k, i]));
      const hasOther = ranked.length > top.length;
      const data: (number | null)[][] = [...top, ...(hasOther ? [null] : [])].map(() => xs.map(() => null));
      for (const r of rows) {
        const s = slot.get(key(r[series])) ?? top.length;
        const i = xIndex.get(xKey(r))!;
        data[s]![i] = (data[s]![i] ?? 0) + num(r);
      }
      datasets = top.map(([, t], i) => ({ label: fmt(t.v), data: data[i]!, backgroundColor: PALETTE[i % PALETTE.length], borderColor: PALETTE[i % PALETTE.length] }));
      if (hasOther) datasets.push({ label: `other (${ranked.length - top.length})`, data: data[top.length]!, backgroundColor: OTHER_COLOR, borderColor: OTHER_COLOR });
    }
    chart?.destroy();
    chart = new Chart(canvas, {
      type: time ? 'line' : 'bar',
      data: { labels, datasets: datasets as ChartDataset<'bar', (number | null)[]>[] },
      options: {
        animation: false,
        responsive: false,
        plugins: { legend: { display: datasets.length > 1 }, tooltip: { mode: 'index', intersect: false } },
        scales: { y: { beginAtZero: !time } },
        onClick: (_e, elements) => {
          const el = elements[0];
          if (el && drill && x && raw.has(el.index)) drill(raw.get(el.index));
        },
      },
    });
    canvas.dataset['points'] = String(datasets.reduce((n, d) => n + d.data.filter((v) => v !== null).length, 0));
    canvas.dataset['series'] = String(datasets.length);
    window.__strataChart = chart;
  };

  const download = (): void => {
    if (!last) return;
    const blob = new Blob([toCsv(last.columns.map((c) => c.name), last.rows)], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: `${metric.value || 'result'}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  exportCsv.addEventListener('click', download);

  metric.addEventListener('change', () => {
    path = [];
    void refreshPickers();
  });
  hierarchy.addEventListener('change', () => {
    path = [];
    syncForm();
  });
  xDim.addEventListener('change', syncForm);
  const startRun = (): void => {
    path = [];
    void run();
  };
  for (const input of [from, to, topN]) input.addEventListener('keydown', (e) => (e as KeyboardEvent).key === 'Enter' && startRun());
  filterRows.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).key === 'Enter' && e.target instanceof HTMLInputElement) startRun();
  });
  const field = (label: string, ...control: (HTMLElement | string)[]): HTMLElement => h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), ...control);

  const page = h(
    'div',
    { class: 'page explorer' },
    h('header', { class: 'page-head' }, h('h1', { id: 'page-title' }, 'Metric explorer')),
    h(
      'div',
      { class: 'card explorer-form' },
      h('div', { class: 'explorer-row explorer-token' }, field('Token', token), h('button', { type: 'button', id: 'connect', onclick: () => void loadMeta() }, 'Connect')),
      h(
        'div',
        { class: 'explorer-row' },
        field('Metric', metric),
        field('X axis', xDim),
        field('Series by', seriesDim),
        field('Top', topN),
        field('Drill down along', hierarchy),
      ),
      h(
        'div',
        { class: 'explorer-row' },
        h('div', { class: 'field filters' }, h('span', { class: 'field-label' }, 'Filters'), filterRows, h('button', { type: 'button', id: 'add-filter', onclick: () => addFilter() }, '+ filter')),
        h('div', { class: 'field' }, h('span', { class: 'field-label' }, 'Time range ', rangeDim), h('span', { class: 'range' }, from, ' – ', to)),
      ),
      h('div', { class: 'explorer-row explorer-actions' }, h('button', { type: 'button', id: 'run', class: 'primary', onclick: startRun }, 'Run'), exportCsv),
    ),
    status,
    crumbs,
    h('div', { class: 'card explorer-chart' }, canvas),
    tableWrap,
    h('details', { class: 'card explorer-sql-card', open: true }, h('summary', null, 'SQL it ran'), sql),
  );
  void loadMeta();
  return page;
}

class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Rows as CSV (RFC 4180): every field quoted when it holds a quote, comma or line break; text that a spreadsheet would run as a formula gets a leading `'`. */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const field = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    let s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (typeof v === 'string' && /^[=+@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.map(field).join(','), ...rows.map((r) => columns.map((c) => field(r[c])).join(','))].join('\r\n') + '\r\n';
}

const MAX_PERIODS = 2000;

/** `2024-02-01` of a time value (`2024-02-01T00:00:00.000Z`, `2024-02-01 00:00:00`, …), if it is one. */
function dayOf(v: unknown): string | undefined {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : undefined;
}

/**
 * Every period of `grain` from the earliest to the latest of `values` (as `YYYY-MM-DD`), or
 * undefined when the values are not dates of that grain or there would be too many.
 *
 * @example fillPeriods(['2024-01-01T00:00:00Z', '2024-03-01T00:00:00Z'], 'month') // ['2024-01-01', '2024-02-01', '2024-03-01']
 */
export function fillPeriods(values: readonly unknown[], grain: string): string[] | undefined {
  const step: Readonly<Record<string, (d: Date) => void>> = {
    day: (d) => d.setUTCDate(d.getUTCDate() + 1),
    week: (d) => d.setUTCDate(d.getUTCDate() + 7),
    month: (d) => d.setUTCMonth(d.getUTCMonth() + 1),
    quarter: (d) => d.setUTCMonth(d.getUTCMonth() + 3),
    year: (d) => d.setUTCFullYear(d.getUTCFullYear() + 1),
  };
  const next = step[grain];
  if (!next || values.length === 0) return undefined;
  const days = values.map(dayOf);
  if (days.some((d) => d === undefined)) return undefined;
  const sorted = [...new Set(days as string[])].sort();
  const out: string[] = [];
  const d = new Date(`${sorted[0]}T00:00:00Z`);
  const last = sorted[sorted.length - 1]!;
  if (Number.isNaN(d.getTime())) return undefined;
  while (out.length <= MAX_PERIODS) {
    const k = d.toISOString().slice(0, 10);
    if (k > last) break;
    out.push(k);
    next(d);
  }
  // Values off the grid (not truncated to the grain) or too many periods: no filling.
  const grid = new Set(out);
  return out.length <= MAX_PERIODS && sorted.every((k) => grid.has(k)) ? out : undefined;
}

function key(v: unknown): string {
  return v === null || v === undefined ? '\u0000null' : typeof v === 'object' ? JSON.stringify(v) : `${typeof v}:${String(v)}`;
}

function cmp(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2);
  const s = String(v);
  // Timestamps at midnight read better as dates.
  return /^\d{4}-\d{2}-\d{2}T00:00:00(\.000)?Z?$/.test(s) ? s.slice(0, 10) : s;
}
