/**
 * Plans a `fact` model: the model's query is wrapped by `factSql` (surrogate keys looked up
 * point-in-time), then built like a `table` (with `partition_by`, indexes, swap) — or, with
 * `event_time` set and the table present, incrementally by time in one transaction: rows newer
 * than the newest loaded (minus `lookback`, whose window is deleted and reloaded) are appended.
 */
import type { ManifestNode } from '../compiler/types.js';
import { withHooks } from '../planner/hooks.js';
import type { ModelConfig } from '../planner/model-config.js';
import { grantSteps } from '../planner/physical-design.js';
import { PlanError } from '../planner/plan-error.js';
import { bodyOf, planRebuild, targetOf } from '../planner/plan-table.js';
import { ident, identList, literal, qualified, tempRef } from '../planner/sql.js';
import type { NodePlan, PlanOptions, PlanStep, RelationState } from '../planner/types.js';
import { readFactConfig, type FactConfig } from './config.js';
import { factSql } from './fact-sql.js';

function factConfig(node: ManifestNode): FactConfig {
  const r = readFactConfig(node.config);
  if (!r.ok) throw new PlanError('config-invalid', node.unique_id, r.problems.map((p) => `config '${p.key}': ${p.message}`).join('; '));
  return r.value;
}

/**
 * @example planFact(node, state, { fullRefresh: false, runId: 'r1' }, cfg)
 * // first run: create table "gold"."fact_sales__strata_tmp_…" as (select q.*, coalesce(d1."customer_key", -1) … ); swap
 * // later (event_time: sold_at): create temporary table … cutoff; delete … where "sold_at" > cutoff; insert … where q."sold_at" > cutoff
 */
export function planFact(node: ManifestNode, state: RelationState, opts: PlanOptions, cfg: ModelConfig): NodePlan {
  const fact = factConfig(node);
  const target = targetOf(node);
  if (!state.newColumns) return { unique_id: node.unique_id, materialization: 'fact', relation: target, temporaries: [], phases: [], needsNewColumns: true };
  const names = state.newColumns.map((c) => c.name);
  for (const d of fact.dimensions) {
    const bad = [...d.naturalKey, ...(d.at ? [d.at] : [])].filter((c) => !names.includes(c));
    if (bad.length) throw new PlanError('config-invalid', node.unique_id, `dimension '${d.ref}': the query has no column ${bad.map((b) => `'${b}'`).join(', ')}`);
    if (names.includes(d.keyColumn)) throw new PlanError('config-invalid', node.unique_id, `dimension '${d.ref}': the query already has a column '${d.keyColumn}'; set key: to another name`);
  }
  if (fact.eventTime && !names.includes(fact.eventTime)) throw new PlanError('config-invalid', node.unique_id, `config 'event_time': the query has no column '${fact.eventTime}'`);
  const sql = factSql(bodyOf(node), fact.dimensions);
  const wrapped: ManifestNode = { ...node, compiled_code: sql };
  const fullRefresh = cfg.fullRefresh ?? opts.fullRefresh;
  const kind = state.existing?.kind;
  if (!fact.eventTime || fullRefresh || (kind !== 'table' && kind !== 'partitioned_table')) {
    return { ...planRebuild(wrapped, state, opts, cfg, 'table'), materialization: 'fact' };
  }
  const et = ident(fact.eventTime);
  const all = [...names, ...fact.dimensions.map((d) => d.keyColumn)];
  const cutoff = ident(tempRef(target, opts.runId, '_cutoff').name);
  const since = fact.lookback ? `max(${et}) - interval ${literal(fact.lookback)}` : `max(${et})`;
  const steps: PlanStep[] = [
    { name: 'find cutoff', sql: `create temporary table ${cutoff} on commit drop as\nselect ${since} as c from ${qualified(target)}` },
  ];
  if (fact.lookback) {
    steps.push({ name: 'delete lookback window', sql: `delete from ${qualified(target)} where ${et} > (select c from pg_temp.${cutoff})` });
  }
  steps.push(
    {
      name: 'insert new rows',
      sql:
        `insert into ${qualified(target)} (${identList(all)})\nselect ${identList(all)} from (\n${sql}\n) as f\n` +
        `where (select c from pg_temp.${cutoff}) is null or f.${et} > (select c from pg_temp.${cutoff})`,
      countsRows: true,
    },
    ...grantSteps(target, cfg.grants),
  );
  return { unique_id: node.unique_id, materialization: 'fact', relation: target, temporaries: [], phases: withHooks([{ transactional: true, steps }], cfg.preHooks, cfg.postHooks) };
}
