/**
 * Point-in-time join SQL: for each entity row at time t, each view contributes its
 * row with the greatest timestamp <= t and > t - ttl (none → NULLs). Ties on the timestamp are
 * broken by `created_timestamp` desc, then by every feature of the view ascending (NULLs last),
 * so the answer never depends on physical row order or on which features were selected.
 *
 * Three equivalent formulations: `lateral` (the one Strata runs: one index probe per entity row
 * on (join keys, timestamp)), and the two usual ones the bench compares with: `row_number`
 * (join every candidate row, rank, keep rank 1 — Feast's / Hopsworks' offline stores) and
 * `correlated` (one scalar subquery per feature).
 */
import { ident } from '../planner/sql.js';
import { intervalSql } from './duration.js';
import type { SelectedFeature } from './select-features.js';
import type { FeatureView } from './types.js';

export type PitApproach = 'lateral' | 'row_number' | 'correlated';

export interface PitView {
  readonly view: FeatureView;
  readonly features: readonly SelectedFeature[];
  /** Source column → PostgreSQL type (join keys and timestamp), so entity values are cast to the index's type. */
  readonly sourceTypes: Readonly<Record<string, string>>;
}

export interface PitInput {
  /** The entity relation (e.g. `pg_temp."__strata_entities"`). */
  readonly entities: string;
  /** Column numbering the entity rows (output order); not part of the output. */
  readonly rowId: string;
  readonly timestampColumn: string;
  /** Entity columns in output order (join keys, timestamp, labels, ...). */
  readonly columns: readonly string[];
  readonly views: readonly PitView[];
  /** Also output the row id column (first), e.g. when staging before a second pass. */
  readonly keepRowId?: boolean;
}

/** `"analytics"."customer_daily"` or `(select ...)` for a view's source. */
export function sourceFrom(view: FeatureView): string {
  return view.source.kind === 'relation' ? view.source.relation : `(\n${view.source.sql}\n)`;
}

/** ORDER BY that picks the winning row among candidates: newest first, deterministic ties. */
export function winnerOrder(view: FeatureView, alias: string): string {
  const parts = [`${alias}.${ident(view.timestamp)} desc`];
  if (view.createdTimestamp) parts.push(`${alias}.${ident(view.createdTimestamp)} desc nulls last`);
  for (const f of view.features) parts.push(`${alias}.${ident(f.name)} asc nulls last`);
  return parts.join(', ');
}

function cast(expr: string, type: string | undefined): string {
  return type ? `cast(${expr} as ${type})` : expr;
}

/** `f.k = e.k and f.ts <= t and f.ts > t - ttl` with entity values cast to the source's types. */
export function pitCondition(pv: PitView, f: string, e: string, timestampColumn: string): string {
  const { view, sourceTypes } = pv;
  const ts = `${e}.${ident(timestampColumn)}`;
  const tsType = sourceTypes[view.timestamp];
  const conds = view.joinKeys.map((k) => `${f}.${ident(k)} = ${cast(`${e}.${ident(k)}`, sourceTypes[k])}`);
  conds.push(`${f}.${ident(view.timestamp)} <= ${cast(ts, tsType)}`);
  if (view.ttlSeconds !== undefined) conds.push(`${f}.${ident(view.timestamp)} > ${cast(`${ts} - ${intervalSql(view.ttlSeconds)}`, tsType)}`);
  return conds.join('\n    and ');
}

/**
 * The point-in-time SQL for a training set.
 *
 * @example
 * buildPitSql({ entities: 'pg_temp."__strata_entities"', rowId: '__strata_row', timestampColumn: 'event_timestamp',
 *   columns: ['customer_id', 'event_timestamp', 'churned'], views: [{ view, features, sourceTypes }] }, 'lateral')
 * // select e."customer_id", e."event_timestamp", e."churned", v0."avg_order_value" as "customer_features__avg_order_value"
 * // from pg_temp."__strata_entities" as e
 * // left join lateral (
 * //   select f."avg_order_value" from "analytics"."customer_daily" as f
 * //   where f."customer_id" = cast(e."customer_id" as integer)
 * //     and f."as_of" <= cast(e."event_timestamp" as timestamp without time zone)
 * //     and f."as_of" > cast(e."event_timestamp" - interval '7776000 seconds' as timestamp without time zone)
 * //   order by f."as_of" desc, f."purchase_count_30d" asc nulls last, f."avg_order_value" asc nulls last
 * //   limit 1
 * // ) as v0 on true
 * // order by e."__strata_row"
 */
export function buildPitSql(input: PitInput, approach: PitApproach = 'lateral'): string {
  const e = 'e';
  const base = [...(input.keepRowId ? [input.rowId] : []), ...input.columns].map((c) => `${e}.${ident(c)}`);
  const first = input.views[0]?.view.joinKeys ?? [];
  // LATERAL probes in (keys, timestamp) order walk the index and the heap sequentially instead
  // of at random (several times faster on large inputs); the final ORDER BY restores input order.
  const from =
    approach === 'lateral' && first.length
      ? `(select * from ${input.entities} order by ${[...first, input.timestampColumn].map(ident).join(', ')}) as ${e}`
      : `${input.entities} as ${e}`;
  const order = `order by ${e}.${ident(input.rowId)}`;
  if (approach === 'correlated') {
    const cols = input.views.flatMap((pv) =>
      pv.features.map(
        (sf) =>
          `(select f.${ident(sf.feature.name)} from ${sourceFrom(pv.view)} as f\n    where ${pitCondition(pv, 'f', e, input.timestampColumn)}\n    order by ${winnerOrder(pv.view, 'f')} limit 1) as ${ident(sf.column)}`,
      ),
    );
    return `select ${[...base, ...cols].join(',\n  ')}\nfrom ${from}\n${order}`;
  }
  const cols = input.views.flatMap((pv, i) => pv.features.map((sf) => `v${i}.${ident(sf.feature.name)} as ${ident(sf.column)}`));
  const joins = input.views.map((pv, i) => {
    const picked = pv.features.map((sf) => `f.${ident(sf.feature.name)}`).join(', ');
    if (approach === 'lateral') {
      return (
        `left join lateral (\n  select ${picked} from ${sourceFrom(pv.view)} as f\n  where ${pitCondition(pv, 'f', e, input.timestampColumn)}\n` +
        `  order by ${winnerOrder(pv.view, 'f')}\n  limit 1\n) as v${i} on true`
      );
    }
    const rid = ident(input.rowId);
    return (
      `left join (\n  select r.* from (\n    select e2.${rid}, ${picked},\n      row_number() over (partition by e2.${rid} order by ${winnerOrder(pv.view, 'f')}) as "__strata_rank"\n` +
      `    from ${input.entities} as e2 join ${sourceFrom(pv.view)} as f\n      on ${pitCondition(pv, 'f', 'e2', input.timestampColumn)}\n  ) as r where r."__strata_rank" = 1\n) as v${i} on v${i}.${rid} = ${e}.${rid}`
    );
  });
  return `select ${[...base, ...cols].join(',\n  ')}\nfrom ${from}\n${joins.join('\n')}\n${order}`;
}
