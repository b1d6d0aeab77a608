/**
 * Training-serving skew checks: online values vs the offline point-in-time values as of the last
 * materialization (parity), and a saved training set's profile vs current online values (PSI).
 */
import type { Session, WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import { CompileError, error } from '../diagnostics/index.js';
import { ident, literal } from '../planner/sql.js';
import { psi, shares } from '../quality/drift-math.js';
import { stageEntities } from './entity-input.js';
import { bucketOf } from './impute.js';
import { getOnlineFeatures } from './online.js';
import type { OnlineStore } from './online-store.js';
import { buildPitSql, sourceFrom } from './pit-sql.js';
import { selectFeatures } from './select-features.js';
import { own } from '../shared/records.js';
import { pitViewsFor } from './training-set.js';
import type { FeatureRegistry, FeatureView } from './types.js';
import { decodeValue } from './value-codec.js';

export interface ParityMismatch {
  readonly view: string;
  readonly entity: Readonly<Record<string, string>>;
  readonly feature: string;
  readonly online: unknown;
  readonly offline: unknown;
}

export interface ViewParity {
  readonly view: string;
  readonly asOf: string;
  readonly sampled: number;
  readonly compared: number;
  readonly mismatches: number;
  readonly examples: readonly ParityMismatch[];
}

/** Random sample of entity keys seen in a view's source up to `asOf` (SQL). */
function sampleSql(view: FeatureView, asOf: string, n: number): string {
  const keys = view.joinKeys.map((k) => `f.${ident(k)}::text as ${ident(k)}`).join(', ');
  // asOf comes from the store's own metadata (an ISO time we wrote), validated below.
  return `select q.*, ${literal(asOf)}::timestamptz as "event_timestamp" from (select distinct ${keys} from ${sourceFrom(view)} as f where f.${ident(view.timestamp)} <= ${literal(asOf)}::timestamptz) as q order by random() limit ${Math.max(1, Math.floor(n))}`;
}

/**
 * Compares online values with offline point-in-time values for a random sample of entities, as
 * of each view's last materialization (TTL evaluated at that time on both sides).
 *
 * @example await checkParity(adapter, store, registry, { sample: 1000 })
 * // [{ view: 'customer_features', asOf: '2024-06-20T…', sampled: 1000, compared: 4000, mismatches: 0, examples: [] }]
 */
export async function checkParity(
  adapter: WarehouseAdapter,
  store: OnlineStore,
  registry: FeatureRegistry,
  opts: { readonly sample?: number; readonly views?: readonly string[] } = {},
): Promise<ViewParity[]> {
  const out: ViewParity[] = [];
  for (const view of Object.values(registry.views).filter((v) => (opts.views ? opts.views.includes(v.name) : v.online))) {
    const meta = await store.getMeta(view.name);
    if (!meta) {
      throw new CompileError([error('unknown-feature', `feature view '${view.name}' has not been materialized`, { hint: 'run strata features materialize first' })]);
    }
    if (Number.isNaN(Date.parse(meta.asOf))) throw new Error(`bad materialization time ${meta.asOf}`);
    const sel = selectFeatures(registry, [`${view.name}:*`]);
    const offline = await adapter.transaction(async (s) => offlineRows(s, view, sel, meta.asOf, opts.sample ?? 1000));
    const entities = offline.map((r) => Object.fromEntries(view.joinKeys.map((k) => [k, r[k]!])));
    const online = await getOnlineFeatures(store, registry, { features: [`${view.name}:*`], entities, now: new Date(meta.asOf) });
    const examples: ParityMismatch[] = [];
    let mismatches = 0;
    let compared = 0;
    offline.forEach((row, i) => {
      for (const f of sel.features) {
        compared++;
        const off = decodeValue(row[f.column] ?? null, f.feature.type);
        const on = online.results[i]!.values[f.column]!.value;
        if (!sameValue(on, off)) {
          mismatches++;
          if (examples.length < 20) examples.push({ view: view.name, entity: entities[i]!, feature: f.feature.name, online: on, offline: off });
        }
      }
    });
    out.push({ view: view.name, asOf: meta.asOf, sampled: offline.length, compared, mismatches, examples });
  }
  return out;
}

async function offlineRows(
  s: Session,
  view: FeatureView,
  sel: ReturnType<typeof selectFeatures>,
  asOf: string,
  n: number,
): Promise<Record<string, string | null>[]> {
  const staged = await stageEntities(s, { kind: 'sql', sql: sampleSql(view, asOf, n) }, { timestampColumn: 'event_timestamp', keys: view.joinKeys });
  const pit = buildPitSql({ entities: staged.relation, rowId: staged.rowId, timestampColumn: 'event_timestamp', columns: staged.columns, views: await pitViewsFor(s, sel) });
  const cols = [...view.joinKeys, ...sel.features.map((f) => f.column)].map((c) => `q.${ident(c)}::text as ${ident(c)}`).join(', ');
  const r = await s.query<Record<string, string | null>>(`select ${cols} from (\n${pit}\n) as q`);
  return [...r.rows];
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  return a === b;
}

export interface DriftResult {
  readonly column: string;
  readonly psi: number;
  /** `no_data`: no online value to compare (nothing materialized, or all expired). */
  readonly level: 'stable' | 'moderate' | 'major' | 'no_data';
  readonly trainingCount: number;
  readonly onlineCount: number;
}

/**
 * PSI between a saved training set's profile (decile buckets of each numeric feature) and the
 * current online values of a random sample of entities (reusing quality/drift-math's `psi`).
 *
 * @example await checkDrift(adapter, store, registry, 'churn_2024', { sample: 1000 })
 * // [{ column: 'customer_features__avg_order_value_90d', psi: 0.03, level: 'stable', trainingCount: 5000, onlineCount: 987 }]
 */
export async function checkDrift(
  adapter: WarehouseAdapter,
  store: OnlineStore,
  registry: FeatureRegistry,
  trainingSet: string,
  opts: { readonly sample?: number } = {},
): Promise<DriftResult[]> {
  const ts = own(registry.trainingSets, trainingSet);
  if (!ts) throw new CompileError([error('unknown-feature', `unknown training set '${trainingSet}'`, { hint: `saved: ${Object.keys(registry.trainingSets).join(', ') || '(none)'}` })]);
  const out: DriftResult[] = [];
  const viewNames = [...new Set(ts.profile.map((p) => p.view))];
  for (const name of viewNames) {
    const view = own(registry.views, name);
    if (!view) continue;
    const now = new Date().toISOString();
    const r = await adapter.query<Record<string, string>>(sampleSql(view, now, opts.sample ?? 1000));
    const entities = r.rows.map((row) => Object.fromEntries(view.joinKeys.map((k) => [k, row[k]!])));
    const online = await getOnlineFeatures(store, registry, { features: ts.features, entities, shortNames: ts.shortNames });
    for (const p of ts.profile.filter((x) => x.view === name)) {
      const counts = new Array<number>(p.edges.length + 1).fill(0);
      let n = 0;
      for (const res of online.results) {
        const v = res.values[p.column]?.value;
        if (typeof v !== 'number') continue;
        counts[bucketOf(v, p.edges)]!++;
        n++;
      }
      if (n === 0) {
        out.push({ column: p.column, psi: 0, level: 'no_data', trainingCount: p.count, onlineCount: 0 });
        continue;
      }
      const score = psi(p.shares, shares(counts));
      out.push({ column: p.column, psi: score, level: score < 0.1 ? 'stable' : score < 0.25 ? 'moderate' : 'major', trainingCount: p.count, onlineCount: n });
    }
  }
  return out;
}
