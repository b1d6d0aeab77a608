/**
 * Online serving: the latest values of requested features for a batch of entities, one
 * pipelined round trip to the store, TTL enforced at read time, and (optionally) a training
 * set's imputation applied exactly as when the set was built.
 */
import { CompileError, didYouMean, error } from '../diagnostics/index.js';
import { applyImpute } from './impute.js';
import { entityKey, type OnlineRead, type OnlineStore } from './online-store.js';
import { own } from '../shared/records.js';
import { selectFeatures, type FeatureSelection } from './select-features.js';
import type { FeatureRef, FeatureRegistry, ImputedValue } from './types.js';
import { decodeValue } from './value-codec.js';

export interface OnlineRequest {
  /** A service name, `view:feature,...`, or a list of either. */
  readonly features: string | readonly string[] | readonly FeatureRef[];
  /** Entity rows: join key → value, e.g. `[{ customer_id: 123 }]`. */
  readonly entities: readonly Readonly<Record<string, unknown>>[];
  /** Apply this saved training set's imputation (and its column naming). */
  readonly trainingSet?: string;
  readonly shortNames?: boolean;
  /** When TTL is evaluated (default now); parity uses the materialization time. */
  readonly now?: Date;
}

/** Why a value is what it is. */
export type OnlineStatus = 'present' | 'null' | 'expired' | 'missing';

export interface OnlineValue {
  readonly value: string | number | boolean | null;
  /** Event time of the stored row (ISO), null when nothing was stored. */
  readonly event_timestamp: string | null;
  readonly status: OnlineStatus;
  /** True when `value` came from the training set's imputation. */
  readonly imputed?: true;
}

export interface OnlineResponse {
  /** Output column names in request order. */
  readonly features: readonly string[];
  readonly results: readonly { readonly entity: Readonly<Record<string, unknown>>; readonly values: Readonly<Record<string, OnlineValue>> }[];
}

const selections = new WeakMap<FeatureRegistry, Map<string, FeatureSelection>>();

function cachedSelection(registry: FeatureRegistry, req: OnlineRequest, shortNames: boolean): FeatureSelection {
  const k = `${shortNames}|${JSON.stringify(req.features)}`;
  let m = selections.get(registry);
  if (!m) selections.set(registry, (m = new Map()));
  let sel = m.get(k);
  if (!sel) {
    sel = selectFeatures(registry, req.features, { shortNames });
    if (m.size < 1000) m.set(k, sel);
  }
  return sel;
}

/**
 * Reads online features: values older than the view's TTL are not served
 * (status 'expired', value null or imputed).
 *
 * @example
 * await getOnlineFeatures(store, registry, { features: 'churn_v1', entities: [{ customer_id: 123 }] })
 * // { features: ['customer_features__purchase_count_30d', …],
 * //   results: [{ entity: { customer_id: 123 }, values: { customer_features__purchase_count_30d:
 * //     { value: 4, event_timestamp: '2024-06-19T00:00:00.000Z', status: 'present' }, … } }] }
 * // Redis: one pipeline of HMGET strata:<ns>:customer_features:123 __ts purchase_count_30d …
 */
export async function getOnlineFeatures(store: OnlineStore, registry: FeatureRegistry, req: OnlineRequest): Promise<OnlineResponse> {
  const ts = req.trainingSet ? own(registry.trainingSets, req.trainingSet) : undefined;
  if (req.trainingSet && !ts) {
    const names = Object.keys(registry.trainingSets);
    throw new CompileError([error('unknown-feature', `unknown training set '${req.trainingSet}'`, { hint: didYouMean(req.trainingSet, names) ?? `saved training sets: ${names.join(', ') || '(none)'}` })]);
  }
  const sel = cachedSelection(registry, req, ts ? ts.shortNames : (req.shortNames ?? false));
  const imputes = new Map<string, ImputedValue>((ts?.impute ?? []).map((i) => [i.column, i]));
  const now = (req.now ?? new Date()).getTime();
  const reads: OnlineRead[] = [];
  for (const e of req.entities) {
    for (const { view, features } of sel.views) {
      const values = view.joinKeys.map((k) => e[k]);
      const missing = view.joinKeys.filter((_, i) => values[i] === undefined || values[i] === null);
      if (missing.length) {
        throw new CompileError([error('entities-invalid', `entity ${JSON.stringify(e)} has no ${missing.join(', ')} (needed by feature view '${view.name}')`)]);
      }
      reads.push({ view, key: entityKey(values), features: features.map((f) => f.feature.name) });
    }
  }
  const records = await store.read(reads);
  const results: { entity: Readonly<Record<string, unknown>>; values: Record<string, OnlineValue> }[] = [];
  let i = 0;
  for (const e of req.entities) {
    const values: Record<string, OnlineValue> = {};
    for (const { view, features } of sel.views) {
      const rec = records[i++];
      const expired = rec !== undefined && view.ttlSeconds !== undefined && rec.ts <= now - view.ttlSeconds * 1000;
      const future = rec !== undefined && rec.ts > now;
      const iso = rec ? new Date(rec.ts).toISOString() : null;
      features.forEach((f, j) => {
        let v: OnlineValue;
        if (!rec || future) v = { value: null, event_timestamp: null, status: 'missing' };
        else if (expired) v = { value: null, event_timestamp: iso, status: 'expired' };
        else {
          const raw = rec.values[j] ?? null;
          v = { value: decodeValue(raw, f.feature.type), event_timestamp: iso, status: raw === null ? 'null' : 'present' };
        }
        const imp = imputes.get(f.column);
        if (v.value === null && imp && imp.value !== null) v = { ...v, value: applyImpute(null, imp), imputed: true };
        values[f.column] = v;
      });
    }
    results.push({ entity: e, values });
  }
  return { features: sel.features.map((f) => f.column), results };
}
