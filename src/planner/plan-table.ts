/**
 * `table` (and the rebuild path of `incremental` and `materialized_view`): build the new relation
 * under a temporary name, then publish it with one swap transaction. A failing build never
 * touches the existing relation.
 */
import type { RelationKind, RelationRef } from '../adapters/warehouse-adapter.js';
import type { ManifestNode } from '../compiler/types.js';
import type { ModelConfig } from './model-config.js';
import { grantSteps, indexSteps, partitionStep, renameChildrenStep } from './physical-design.js';
import { ident, modelSql, qualified, tempRef } from './sql.js';
import { swapSteps } from './swap.js';
import type { NodePlan, PlanOptions, PlanStep, RelationState } from './types.js';
import { withHooks } from './hooks.js';
import { contractBuildSteps, contractHasIndexes, enforcedContract } from './contract.js';

/** The relation a node publishes: `"<schema>"."<alias>"` (the database is the connection's). */
export function targetOf(node: ManifestNode): RelationRef {
  return { schema: node.schema, name: node.alias };
}

/** The node's compiled SQL without trailing semicolons; a missing body is a bug upstream. */
export function bodyOf(node: ManifestNode): string {
  if (node.compiled_code === null) throw new Error(`${node.unique_id} has no compiled SQL to plan`);
  return modelSql(node.compiled_code);
}

/**
 * Plans a rebuild into `<name>__strata_tmp_<tag>` and a swap.
 *
 * @example planRebuild(node, state, { fullRefresh: false, runId: 'r1' }, cfg, 'table')
 * // phase 1: create table "s"."orders__strata_tmp_…" as (select …); create index …
 * // phase 2 (transaction): save dependent views; rename old; rename new; drop old; restore dependent views
 */
export function planRebuild(
  node: ManifestNode,
  state: RelationState,
  opts: PlanOptions,
  cfg: ModelConfig,
  kind: 'table' | 'materialized_view',
): NodePlan {
  const target = targetOf(node);
  const tmp = tempRef(target, opts.runId);
  const body = bodyOf(node);
  const temporaries: RelationRef[] = [tmp];
  const build: PlanStep[] = [];
  let newKind: RelationKind = kind;
  // An enforced contract: create the table with its declared columns and constraints, then insert.
  const contract = kind === 'table' && !cfg.partitionBy ? enforcedContract(node) : undefined;

  if (kind === 'materialized_view') {
    build.push({ name: 'create materialized view', sql: `create materialized view ${qualified(tmp)} as (\n${body}\n)`, countsRows: true });
  } else if (cfg.partitionBy) {
    // CTAS cannot create a partitioned table: stage the rows, copy the shape, partition, load.
    const stage = tempRef(target, opts.runId, '_stage');
    temporaries.push(stage);
    newKind = 'partitioned_table';
    build.push(
      { name: 'create stage', sql: `create table ${qualified(stage)} as (\n${body}\n)`, countsRows: true },
      { name: 'create partitioned table', sql: `create table ${qualified(tmp)} (like ${qualified(stage)}) partition by range (${ident(cfg.partitionBy.field)})` },
      partitionStep(tmp, stage, cfg.partitionBy),
      { name: 'load partitions', sql: `insert into ${qualified(tmp)} select * from ${qualified(stage)}` },
      { name: 'drop stage', sql: `drop table ${qualified(stage)}` },
    );
  } else if (contract) {
    build.push(...contractBuildSteps(contract, tmp, body));
  } else {
    build.push({ name: 'create table', sql: `create table ${qualified(tmp)} as (\n${body}\n)`, countsRows: true });
  }
  build.push(...indexSteps(tmp, cfg.indexes));

  const swap = [...swapSteps({ target, existingKind: state.existing?.kind, tmp, newKind, runId: opts.runId })];
  if (cfg.indexes.length > 0 || cfg.partitionBy || (contract && contractHasIndexes(contract))) swap.push(renameChildrenStep(tmp, target));
  swap.push(...grantSteps(target, cfg.grants));

  return {
    unique_id: node.unique_id,
    materialization: String(node.config.materialized),
    relation: target,
    temporaries,
    ...(kind === 'table' ? { staged: tmp } : {}),
    phases: withHooks(
      [
        { transactional: false, steps: build },
        { transactional: true, steps: swap, publish: true },
      ],
      cfg.preHooks,
      cfg.postHooks,
    ),
  };
}
