import { visibleMeta, type AccessRole, type SemanticLayer } from '../../semantic/index.js';

/**
 * The SQL API's tables, for one role: what `information_schema`, psql's `\d` and a query see.
 * - every semantic model the role may read is a table: its own dimensions and measures by name,
 *   and the dimensions of models it reaches many-to-one as `<model>__<dimension>` (also by bare
 *   name when that is unambiguous);
 * - `metrics`: every visible metric, plus every visible dimension as `<model>__<dimension>`;
 * - every saved query is a table of its result columns.
 */

export type SurfaceType = 'string' | 'number' | 'boolean' | 'time';

export interface SurfaceColumn {
  readonly name: string;
  readonly kind: 'dimension' | 'measure' | 'metric';
  /** The metric-query member: `customer.region`, `sales.sold_at`, `sales.revenue`, `revenue`. */
  readonly member: string;
  readonly type: SurfaceType;
  readonly granularities: readonly string[];
  /** Measures: their aggregation (sum, count, …), which a matching SQL aggregate may name. */
  readonly agg?: string;
  readonly description: string;
}

export interface SavedQueryTable {
  readonly metrics: readonly string[];
  readonly dimensions: readonly string[];
}

export interface SurfaceTable {
  readonly name: string;
  readonly kind: 'model' | 'metrics' | 'saved_query';
  readonly description: string;
  readonly columns: readonly SurfaceColumn[];
  readonly saved?: SavedQueryTable;
}

export interface Surface {
  readonly tables: ReadonlyMap<string, SurfaceTable>;
}

/** The tables a role may see, with only the columns it may see. */
export function buildSurface(layer: SemanticLayer, role: AccessRole | null): Surface {
  const meta = visibleMeta(layer, role);
  const models = new Map(meta.models.map((m) => [m.name, m]));
  const visibleMetrics = new Map(meta.metrics.map((m) => [m.name, m]));
  const tables = new Map<string, SurfaceTable>();
  const dimColumn = (name: string, d: (typeof meta.models)[number]['dimensions'][number]): SurfaceColumn => ({
    name,
    kind: 'dimension',
    member: d.member,
    type: d.type as SurfaceType,
    granularities: d.granularities,
    description: d.description,
  });
  for (const m of meta.models) {
    const cols: SurfaceColumn[] = [];
    const taken = new Set<string>();
    const push = (c: SurfaceColumn): void => {
      if (taken.has(c.name)) return;
      taken.add(c.name);
      cols.push(c);
    };
    for (const d of m.dimensions) push(dimColumn(d.name, d));
    for (const x of m.measures) push({ name: x.name, kind: 'measure', member: x.member, type: 'number', granularities: [], agg: x.agg, description: x.description });
    // Dimensions of the models this one reaches many-to-one, qualified, then bare when unambiguous.
    const reached = Object.keys(layer.paths[m.name] ?? {}).filter((r) => r !== m.name && models.has(r));
    const bare = new Map<string, number>();
    for (const r of reached) for (const d of models.get(r)!.dimensions) bare.set(d.name, (bare.get(d.name) ?? 0) + 1);
    for (const r of reached) for (const d of models.get(r)!.dimensions) push(dimColumn(`${r}__${d.name}`, d));
    for (const r of reached) for (const d of models.get(r)!.dimensions) if (bare.get(d.name) === 1) push(dimColumn(d.name, d));
    tables.set(m.name, { name: m.name, kind: 'model', description: m.description, columns: cols });
  }
  if (!tables.has('metrics') && visibleMetrics.size > 0) {
    const cols: SurfaceColumn[] = [];
    for (const x of meta.metrics) cols.push({ name: x.name, kind: 'metric', member: x.name, type: 'number', granularities: [], description: x.description });
    for (const m of meta.models) for (const d of m.dimensions) cols.push(dimColumn(`${m.name}__${d.name}`, d));
    tables.set('metrics', { name: 'metrics', kind: 'metrics', description: 'Every metric, by any dimension the metric can be grouped by', columns: cols });
  }
  const saved = layer.savedQueries ?? {};
  for (const sq of Object.values(saved)) {
    if (tables.has(sq.name)) continue;
    const cols: SurfaceColumn[] = [];
    let visible = true;
    for (const member of sq.dimensions) {
      const [model, dim, grain] = member.split('.');
      const d = models.get(model!)?.dimensions.find((x) => x.name === dim);
      if (!d) {
        visible = false;
        break;
      }
      cols.push({ ...dimColumn(grain ? `${dim}__${grain}` : dim!, d), member, granularities: [] });
    }
    for (const metric of sq.metrics) {
      const m = visibleMetrics.get(metric);
      if (!m) {
        visible = false;
        break;
      }
      cols.push({ name: metric, kind: 'metric', member: metric, type: 'number', granularities: [], description: m.description });
    }
    if (!visible) continue;
    tables.set(sq.name, {
      name: sq.name,
      kind: 'saved_query',
      description: sq.description,
      columns: cols,
      saved: { metrics: sq.metrics, dimensions: sq.dimensions },
    });
  }
  return { tables };
}
