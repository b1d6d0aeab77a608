/**
 * Citus scale-out: `distributed_by: <column>` → `create_distributed_table`, `reference: true` →
 * `create_reference_table`. Whether the database has Citus is decided at run time inside the
 * statement (`pg_extension`), so the same plan runs unchanged on plain PostgreSQL and PGlite.
 * A table that Citus already manages (`pg_dist_partition`) is left as it is, so incremental
 * runs never try to distribute twice.
 */
import type { RelationRef } from '../adapters/warehouse-adapter.js';
import { literal, qualified } from '../planner/sql.js';
import type { PlanPhase, PlanStep } from '../planner/types.js';
import type { CitusConfig } from './config.js';

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
      perform ${call};
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
