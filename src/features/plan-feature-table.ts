/**
 * The `feature_table` materialization: an entity-centric table with one row per
 * (entity keys, feature timestamp), built for point-in-time lookups.
 *
 * - First run, `--full-refresh`, or a relation that is not a table: rebuild + swap like `table`,
 *   with a UNIQUE btree index on (entity keys…, timestamp) — the index every training-set LATERAL
 *   probe and incremental materialization walks — and one on the timestamp (changed-entity scans).
 * - Later runs are incremental by event time, without `is_incremental()` in the model: in ONE
 *   transaction, rows of the model with timestamp >= max(timestamp) − `lookback` (default 0:
 *   the last timestamp is restated) replace the table's rows from that cutoff on.
 *   The unique index rejects a model producing two rows for one entity and timestamp.
 *
 * Config: `entity_keys: [customer_id]` (required), `feature_timestamp: as_of` (required),
 * `lookback: 3d` (optional).
 */
import type { ManifestNode } from '../compiler/types.js';
import { withHooks } from '../planner/hooks.js';
import { readModelConfig, type ModelConfig } from '../planner/model-config.js';
import { PlanError } from '../planner/plan-error.js';
import { bodyOf, planRebuild, targetOf } from '../planner/plan-table.js';
import { ident, identList, qualified, tempRef } from '../planner/sql.js';
import type { NodePlan, PlanOptions, PlanStep, RelationState } from '../planner/types.js';
import { intervalSql, parseDuration } from './duration.js';

export interface FeatureTableConfig {
  readonly entityKeys: readonly string[];
  readonly timestamp: string;
  readonly lookbackSeconds: number;
}

/**
 * @example readFeatureTableConfig(node) // { entityKeys: ['customer_id'], timestamp: 'as_of', lookbackSeconds: 0 }
 */
export function readFeatureTableConfig(node: ManifestNode): FeatureTableConfig {
  const c = node.config;
  const keys = typeof c['entity_keys'] === 'string' ? [c['entity_keys']] : c['entity_keys'];
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k): k is string => typeof k === 'string' && k !== '')) {
    throw new PlanError('config-invalid', node.unique_id, "feature_table needs config 'entity_keys': a list of join-key columns, e.g. [customer_id]");
  }
  const ts = c['feature_timestamp'];
  if (typeof ts !== 'string' || ts === '') {
    throw new PlanError('config-invalid', node.unique_id, "feature_table needs config 'feature_timestamp': the event-time column, e.g. as_of");
  }
  let lookbackSeconds = 0;
  if (c['lookback'] !== undefined && c['lookback'] !== null && c['lookback'] !== 0) {
    const s = parseDuration(c['lookback']);
    if (s === undefined) throw new PlanError('config-invalid', node.unique_id, "config 'lookback' is invalid: expected a duration such as 3d or 12h");
    lookbackSeconds = s;
  }
  return { entityKeys: keys, timestamp: ts, lookbackSeconds };
}

/**
 * @example planFeatureTable(node, { existing: { kind: 'table', … }, columns }, { fullRefresh: false, runId: 'r1' })
 * // begin;
 * // create temporary table "customer_daily__strata_tmp_…" on commit drop as
 * //   select * from (…model…) as s where s."as_of" >= coalesce((select max(t."as_of") from "analytics"."customer_daily" as t), s."as_of");
 * // delete from "analytics"."customer_daily" as t where t."as_of" >= (select max(m."as_of") from "analytics"."customer_daily" as m);
 * // insert into "analytics"."customer_daily" ("customer_id", "as_of", …) select … from pg_temp."customer_daily__strata_tmp_…";
 * // commit;
 */
export function planFeatureTable(node: ManifestNode, state: RelationState, opts: PlanOptions): NodePlan {
  const ft = readFeatureTableConfig(node);
  const base = readModelConfig(node);
  const cfg: ModelConfig = {
    ...base,
    indexes: [...base.indexes, { columns: [...ft.entityKeys, ft.timestamp], unique: true, type: 'btree' }, { columns: [ft.timestamp], unique: false, type: 'btree' }],
  };
  const fullRefresh = base.fullRefresh ?? opts.fullRefresh;
  const kind = state.existing?.kind;
  if (fullRefresh || kind !== 'table' || state.columns.length === 0) return planRebuild(node, state, opts, cfg, 'table');

  const target = targetOf(node);
  const ts = ident(ft.timestamp);
  const tmp = ident(tempRef(target, opts.runId).name);
  const maxTs = `(select max(m.${ts}) from ${qualified(target)} as m)`;
  const cutoff = ft.lookbackSeconds > 0 ? `${maxTs} - ${intervalSql(ft.lookbackSeconds)}` : maxTs;
  const cols = identList(state.columns.map((c) => c.name));
  const steps: PlanStep[] = [
    // Both statements evaluate the cutoff against the table before anything changed.
    { name: 'stage new rows', sql: `create temporary table ${tmp} on commit drop as\nselect * from (\n${bodyOf(node)}\n) as s\nwhere s.${ts} >= coalesce(${cutoff}, s.${ts})` },
    { name: 'delete restated rows', sql: `delete from ${qualified(target)} as t where t.${ts} >= ${cutoff}` },
    { name: 'insert', sql: `insert into ${qualified(target)} (${cols})\nselect ${cols} from pg_temp.${tmp}`, countsRows: true },
  ];
  return {
    unique_id: node.unique_id,
    materialization: 'feature_table',
    relation: target,
    temporaries: [],
    phases: withHooks([{ transactional: true, steps, publish: true }], cfg.preHooks, cfg.postHooks),
  };
}
