/**
 * ExecutionPlan: the SQL a node's materialization will run, as plain data (printable and
 * golden-testable). Produced by `planNode` from a manifest node and the current state of its
 * relation; run by `executor/`.
 */
import type { ColumnDef, ExistingRelation, RelationRef } from '../adapters/warehouse-adapter.js';

/** What exists in the database for a node right now (introspected just before planning). */
export interface RelationState {
  readonly existing: ExistingRelation | undefined;
  /** Columns of the existing relation (empty when it does not exist). */
  readonly columns: readonly ColumnDef[];
  /**
   * Columns the new query produces, when the planner asked for them (incremental
   * on_schema_change, contracts): from `select * from (<sql>) q limit 0` run by the executor.
   */
  readonly newColumns?: readonly ColumnDef[];
}

export interface PlanStep {
  /** Short label shown in logs and `target/run/**.sql` ('create temp', 'swap', 'merge', ...). */
  readonly name: string;
  readonly sql: string;
  /** Bound parameters ($1, ...), if any. */
  readonly params?: readonly unknown[];
  /** True when this step's row count is the node's `rows_affected`. */
  readonly countsRows?: boolean;
}

/** Steps in one phase run in order; a `transactional` phase runs inside begin/commit. */
export interface PlanPhase {
  readonly transactional: boolean;
  readonly steps: readonly PlanStep[];
  /**
   * The phase that makes the new data visible to consumers (the swap of a rebuild, the one
   * transaction of an incremental update). Write-audit-publish runs the model's tests before it
   * (against `NodePlan.staged`) or inside it, before commit (incremental: no staged relation).
   */
  readonly publish?: true;
}

export interface NodePlan {
  readonly unique_id: string;
  readonly materialization: string;
  /** The relation the node publishes (null for ephemeral / tests). */
  readonly relation: RelationRef | null;
  /** Temporary relations the plan creates; the executor drops them if the run is interrupted. */
  readonly temporaries: readonly RelationRef[];
  readonly phases: readonly PlanPhase[];
  /** Where the new data sits before the publish phase (a rebuild's temporary relation). */
  readonly staged?: RelationRef;
  /**
   * Set when the planner needs the new query's columns first (RelationState.newColumns):
   * the executor introspects and calls planNode again.
   */
  readonly needsNewColumns?: boolean;
}

export interface PlanOptions {
  readonly fullRefresh: boolean;
  /** Run identifier, used in temporary relation names so concurrent runs never collide. */
  readonly runId: string;
}
