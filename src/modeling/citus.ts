/**
 * Citus scale-out: `distributed_by: <column>` → `create_distributed_table`, `reference: true` →
 * `create_reference_table`. Whether the database has Citus is decided at run time inside the
 * statement (`pg_extension`), so the same plan runs unchanged on plain PostgreSQL and PGlite.
 * A table that Citus already manages (`pg_dist_partition`) is left as it is, so incremental
 * runs never try to distribute twice.
 */
import type { RelationRef } from '../adapters/warehouse-adapter.js';
import { ident, literal, qualified } from '../planner/sql.js';
import { SWAP_LOCK_KEY } from '../planner/swap.js';
import type { PlanPhase, PlanStep } from '../planner/types.js';
import { readCitusConfig, type CitusConfig } from './config.js';

/**
 * The step that distributes (or replicates) `rel` when Citus is installed; undefined when the
 * config asks for neither.
 *
 * @example citusStep({ schema: 'gold', name: 'fact_sales' }, { distributedBy: 'customer_id', reference: false })
 * // do $strata$
 * // begin
 * //   if exists (select 1 from pg_catalog.pg_extension where extname = 'citus')
 * //      and not exists (select 1 from pg_dist_partition where logicalrelid = '"gold"."fact_sales"'::regclass) then
 * //     perform create_distributed_table('"gold"."fact_sales"', 'customer_id');
 * //     perform truncate_local_data_after_distributing_table('"gold"."fact_sales"');
 * //   end if;
 * // end
 * // $strata$
 */
export function citusStep(rel: RelationRef, cfg: CitusConfig): PlanStep | undefined {
  const table = literal(qualified(rel));
  let call: string;
  let name: string;
  if (cfg.distributedBy !== undefined) {
    call = `create_distributed_table(${table}, ${literal(cfg.distributedBy)})`;
    name = 'citus distribute';
  } else if (cfg.reference) {
    call = `create_reference_table(${table})`;
    name = 'citus reference table';
  } else return undefined;
  // pg_dist_partition only exists with Citus: it is referenced through EXECUTE so the block
  // still compiles where Citus is absent.
  const sql = `do $strata$
declare
  managed boolean;
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'citus') then
    execute format('select exists (select 1 from pg_dist_partition where logicalrelid = %L::regclass)', ${table}) into managed;
    if not managed then
      -- Citus locks and re-creates the table's dependent views: never while a swap (which
      -- drops and restores them) runs.
      perform pg_advisory_xact_lock(${SWAP_LOCK_KEY});
      perform ${call};
      -- Citus copied the rows into shards; the coordinator's table keeps a dead local copy.
      perform truncate_local_data_after_distributing_table(${table});
    end if;
  end if;
end
$strata$`;
  return { name, sql };
}

/**
 * Appends the Citus step as its own phase after the plan's phases (the table must exist under
 * its final name; Citus copies existing rows into shards).
 *
 * @example withCitus(phases, { schema: 'gold', name: 'dim_customer' }, { distributedBy: undefined, reference: true })
 * // [...phases, { transactional: false, steps: [citus reference table] }]
 */
export function withCitus(phases: readonly PlanPhase[], rel: RelationRef | null, cfg: CitusConfig): PlanPhase[] {
  const step = rel ? citusStep(rel, cfg) : undefined;
  return step ? [...phases, { transactional: false, steps: [step] }] : [...phases];
}

/**
 * True when a model's config sets `distributed_by` or `reference: true`: only then does Strata
 * make its table a Citus table, so only then do its plans carry Citus steps.
 *
 * @example asksForCitus({ materialized: 'dimension', reference: true }) // true
 */
export function asksForCitus(config: Readonly<Record<string, unknown>>): boolean {
  const r = readCitusConfig(config);
  return r.ok && (r.value.distributedBy !== undefined || r.value.reference);
}

/** The statements that put a staged batch where Citus can join it with the table it changes. */
export interface CitusBatchSteps {
  /** Run right after the batch is staged in `pg_temp.<batch>` (and analyzed). */
  readonly promote: PlanStep;
  /** Run after the last statement reading the batch, before commit. */
  readonly release: PlanStep;
}

/**
 * Citus refuses statements that change a table it manages while joining a local table (the
 * session temp table holding a batch): `update … from pg_temp.<batch>`, `delete … using`,
 * correlated `not exists` all fail with "relation … is not distributed". When `written` is
 * managed by Citus (checked at run time, inside the statement), `promote` copies the batch into
 * `<written schema>.<batch>`, made like its target — a reference table next to a reference
 * table, a distributed table co-located with (and distributed on the column of) a distributed
 * one, which then must be one of `keys` so each batch row meets its target rows on one shard —
 * and replaces the temp table by a temp view of the same name over it. Every later statement
 * still names `pg_temp.<batch>` and now joins two Citus tables. `release` drops view and table
 * before commit. Without Citus, or when `written` is a plain table, both do nothing: the same
 * plan runs unchanged on PostgreSQL and PGlite. The copy is created in the transaction, so a
 * failed run leaves nothing behind.
 *
 * The temp view exists on the coordinator only: DDL propagation is off while it is created and
 * dropped (Citus would otherwise try to create it on the workers, where `pg_temp` means nothing).
 *
 * @example citusBatchSteps({ schema: 'gold', name: 'dim_customer' }, 'dim_customer__strata_tmp_1a2b3c4d_batch', ['customer_id'], 'model.shop.dim_customer')
 * // promote: do $strata$ … if managed then create table "gold"."…_batch" (like pg_temp."…_batch");
 * //   perform create_reference_table('"gold"."…_batch"'); insert …; drop table pg_temp."…_batch";
 * //   create temporary view "…_batch" as select * from "gold"."…_batch"; … $strata$
 * // release: do $strata$ … drop view pg_temp."…_batch"; drop table "gold"."…_batch"; … $strata$
 */
export function citusBatchSteps(written: RelationRef, batch: string, keys: readonly string[], uniqueId: string): CitusBatchSteps {
  const target = literal(qualified(written));
  const copy = qualified({ schema: written.schema, name: batch });
  const copyLit = literal(copy);
  const temp = `pg_temp.${ident(batch)}`;
  const keyArray = `array[${keys.map(literal).join(', ')}]::text[]`;
  const promote = `do $strata$
declare
  method "char";
  dist_column text;
  ddl text;
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'citus') then
    execute format('select partmethod, column_to_column_name(logicalrelid, partkey) from pg_dist_partition where logicalrelid = %L::regclass', ${target})
      into method, dist_column;
  end if;
  if method is null then
    return;
  end if;
  create table ${copy} (like ${temp});
  if method = 'h' then
    if not dist_column = any(${keyArray}) then
      raise exception 'strata: %: % is distributed by %, which is not one of the key columns (%)', ${literal(uniqueId)}, ${target}, dist_column, ${literal(keys.join(', '))}
        using hint = 'Citus joins a batch with its table shard by shard: make the distribution column part of the key, or make the table a reference table';
    end if;
    perform create_distributed_table(${copyLit}, dist_column, colocate_with => ${target});
  else
    perform create_reference_table(${copyLit});
  end if;
  insert into ${copy} select * from ${temp};
  drop table ${temp};
  ddl := current_setting('citus.enable_ddl_propagation');
  perform set_config('citus.enable_ddl_propagation', 'off', true);
  create temporary view ${ident(batch)} as select * from ${copy};
  perform set_config('citus.enable_ddl_propagation', ddl, true);
end
$strata$`;
  const release = `do $strata$
declare
  ddl text;
begin
  if to_regclass(${copyLit}) is not null then
    ddl := current_setting('citus.enable_ddl_propagation');
    perform set_config('citus.enable_ddl_propagation', 'off', true);
    drop view ${temp};
    perform set_config('citus.enable_ddl_propagation', ddl, true);
    drop table ${copy};
  end if;
end
$strata$`;
  return { promote: { name: 'citus: batch like its target', sql: promote }, release: { name: 'citus: drop batch copy', sql: release } };
}
