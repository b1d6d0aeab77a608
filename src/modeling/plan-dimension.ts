/**
 * Plans a `dimension` model. First run and `--full-refresh` build a new table and swap it in
 * (one transaction); the new table starts as a copy of the old one (keys, history), so surrogate
 * keys of unchanged rows survive full refreshes. Later runs apply the batch in place (one
 * transaction): stage → check keys → add new columns → set-based updates/inserts.
 */
import type { ColumnDef, RelationRef } from '../adapters/warehouse-adapter.js';
import type { ManifestNode } from '../compiler/types.js';
import { withHooks } from '../planner/hooks.js';
import type { ModelConfig } from '../planner/model-config.js';
import { grantSteps, renameChildrenStep } from '../planner/physical-design.js';
import { PlanError } from '../planner/plan-error.js';
import { bodyOf, targetOf } from '../planner/plan-table.js';
import { ident, identList, literal, qualified, tempRef } from '../planner/sql.js';
import { swapSteps } from '../planner/swap.js';
import type { NodePlan, PlanOptions, PlanStep, RelationState } from '../planner/types.js';
import { asksForCitus, citusBatchSteps } from './citus.js';
import { readDimensionConfig } from './config.js';
import {
  applyDimensionSteps,
  createDimensionTableSql,
  dimensionColumns,
  dimensionIndexSteps,
  scdColumns,
  unknownMemberSql,
  type DimensionLayout,
} from './dimension-sql.js';
import { batchKeyCheck } from './sql-fragments.js';

/** Name of the session temp table holding the batch (dropped at commit). */
export function stageName(target: RelationRef, runId: string): string {
  return tempRef(target, runId, '_batch').name;
}

/**
 * Checks the config against the query's columns and returns the layout.
 *
 * @example dimensionLayout(node, [{ name: 'customer_id', dataType: 'bigint' }, { name: 'segment', dataType: 'text' }])
 */
export function dimensionLayout(node: ManifestNode, columns: readonly ColumnDef[]): DimensionLayout {
  const r = readDimensionConfig(node.name, node.config);
  if (!r.ok) throw new PlanError('config-invalid', node.unique_id, r.problems.map((p) => `config '${p.key}': ${p.message}`).join('; '));
  const cfg = r.value;
  const names = columns.map((c) => c.name);
  const missing = (list: readonly string[] | undefined, key: string): void => {
    const bad = (list ?? []).filter((c) => !names.includes(c));
    if (bad.length) throw new PlanError('config-invalid', node.unique_id, `config '${key}': the query has no column ${bad.map((b) => `'${b}'`).join(', ')} (it has ${names.join(', ')})`);
  };
  missing(cfg.naturalKey, 'natural_key');
  missing(cfg.trackedColumns, 'tracked_columns');
  missing(cfg.updatedAt ? [cfg.updatedAt] : [], 'updated_at');
  const layout: DimensionLayout = { uniqueId: node.unique_id, cfg, columns };
  const reserved = [cfg.surrogateKey, ...scdColumns(layout).map((c) => c.name)];
  const clash = reserved.filter((c) => names.includes(c));
  if (clash.length) {
    throw new PlanError('config-invalid', node.unique_id, `the query's column(s) ${clash.join(', ')} clash with the columns the dimension adds; rename them (or set surrogate_key)`);
  }
  return layout;
}

/**
 * @example planDimension(node, { existing: undefined, columns: [], newColumns }, { fullRefresh: false, runId: 'r1' }, cfg)
 * // one transaction: stage batch; check batch keys; create table tmp; unknown member; indexes;
 * //   apply (updates / inserts); rename tmp -> dim_customer
 */
export function planDimension(node: ManifestNode, state: RelationState, opts: PlanOptions, modelCfg: ModelConfig): NodePlan {
  const target = targetOf(node);
  const base = { unique_id: node.unique_id, materialization: 'dimension', relation: target };
  if (!state.newColumns) return { ...base, temporaries: [], phases: [], needsNewColumns: true };
  const layout = dimensionLayout(node, state.newColumns);
  const body = bodyOf(node);
  const stage = stageName(target, opts.runId);
  const staged = `pg_temp.${ident(stage)}`;
  const fullRefresh = modelCfg.fullRefresh ?? opts.fullRefresh;
  const kind = state.existing?.kind;
  // A table without the layout's key/SCD columns (scd_type changed) is rebuilt, keeping what fits.
  const have = new Set(state.columns.map((c) => c.name));
  const fits = [layout.cfg.surrogateKey, ...scdColumns(layout).map((c) => c.name)].every((c) => have.has(c));
  const incremental = !fullRefresh && kind === 'table' && fits;
  const u = layout.cfg.updatedAt;

  // A batch filter on updated_at makes each run proportional to what changed (an index on the
  // source's updated_at makes it a range scan); it is off when deletes are detected (that needs
  // the full source). Rows with a NULL updated_at, or one not newer than the newest already
  // loaded, are only read by a full refresh (the usual incremental contract).
  const filter =
    incremental && u && layout.cfg.hardDeletes === 'ignore'
      ? `\nwhere q.${ident(u)} > coalesce((select max(t.${ident(u)}) from ${qualified(target)} as t), '-infinity')`
      : '';
  const steps: PlanStep[] = [
    { name: 'stage batch', sql: `create temporary table ${ident(stage)} on commit drop as\nselect * from (\n${body}\n) as q${filter}` },
    { name: 'analyze batch', sql: `analyze ${staged}` },
    batchKeyCheck(node.unique_id, staged, layout.cfg.naturalKey, 'natural_key'),
  ];

  if (incremental) {
    // On Citus the batch must be a Citus table like the dimension to be joined with it.
    const citus = asksForCitus(node.config) ? citusBatchSteps(target, stage, layout.cfg.naturalKey, node.unique_id) : undefined;
    if (citus) steps.push(citus.promote);
    steps.push(smallBatchStep(target, staged), ...addColumnSteps(target, layout, state.columns));
    steps.push(...applyDimensionSteps(target, stage, layout));
    if (citus) steps.push(citus.release);
    steps.push(...grantSteps(target, modelCfg.grants));
    return { ...base, temporaries: [], phases: withHooks([{ transactional: true, steps }], modelCfg.preHooks, modelCfg.postHooks) };
  }

  const tmp = tempRef(target, opts.runId);
  steps.push({ name: 'create table', sql: createDimensionTableSql(tmp, layout) });
  if (kind === 'table') {
    // Keep keys and history: the new table starts as the old one (columns both have).
    const wanted = [layout.cfg.surrogateKey, ...layout.columns.map((c) => c.name), ...scdColumns(layout).map((c) => c.name)];
    const common = wanted.filter((c) => have.has(c));
    steps.push({ name: 'copy keys and history', sql: `insert into ${qualified(tmp)} (${identList(common)})\nselect ${identList(common)} from ${qualified(target)}` });
    if (layout.cfg.scdType === 2 && !have.has('is_current')) {
      steps.push({ name: 'mark current rows', sql: `update ${qualified(tmp)} set "is_current" = true, "valid_from" = coalesce("valid_from", '1900-01-01')` });
    }
  } else {
    steps.push({ name: 'unknown member', sql: unknownMemberSql(tmp, layout) });
  }
  steps.push(...dimensionIndexSteps(tmp, layout), { name: 'analyze', sql: `analyze ${qualified(tmp)}` });
  steps.push(...applyDimensionSteps(tmp, stage, layout), { name: 'analyze', sql: `analyze ${qualified(tmp)}` });
  steps.push(...swapSteps({ target, existingKind: kind, tmp, newKind: 'table', runId: opts.runId }));
  steps.push(renameChildrenStep(tmp, target), ...grantSteps(target, modelCfg.grants));
  return { ...base, temporaries: [tmp], phases: withHooks([{ transactional: true, steps }], modelCfg.preHooks, modelCfg.postHooks) };
}

/** New query columns become new table columns (and `previous_` columns for type 3). */
function addColumnSteps(target: RelationRef, layout: DimensionLayout, existing: readonly ColumnDef[]): PlanStep[] {
  const have = new Set(existing.map((c) => c.name));
  const c = dimensionColumns(layout);
  const add = [...layout.columns, ...scdColumns(layout)].filter((x) => !have.has(x.name));
  if (add.length === 0 || c.all.length === 0) return [];
  return [{ name: 'add new columns', sql: `alter table ${qualified(target)} ${add.map((x) => `add column ${ident(x.name)} ${x.dataType}`).join(', ')}` }];
}

/**
 * For a batch much smaller than the table, joins by natural-key index lookups (nested loops)
 * instead of hashing the whole table: the cost follows the batch, not the table. The planner
 * would otherwise prefer one sequential scan of a large table over many index probes. Scoped
 * to the transaction (`set_config(…, true)`).
 *
 * @example smallBatchStep({ schema: 'gold', name: 'dim_customer' }, 'pg_temp."…_batch"')
 * // do $strata$ begin if (select count(*) from pg_temp."…_batch") * 20 < (select reltuples …) then
 * //   perform set_config('enable_hashjoin', 'off', true); perform set_config('enable_mergejoin', 'off', true); end if; end $strata$
 */
export function smallBatchStep(target: RelationRef, staged: string): PlanStep {
  return {
    name: 'prefer index lookups for a small batch',
    sql: `do $strata$
begin
  if (select count(*) from ${staged}) * 20 < (select greatest(c.reltuples, 0) from pg_catalog.pg_class c where c.oid = ${literal(qualified(target))}::regclass) then
    perform set_config('enable_hashjoin', 'off', true);
    perform set_config('enable_mergejoin', 'off', true);
  end if;
end
$strata$`,
  };
}
