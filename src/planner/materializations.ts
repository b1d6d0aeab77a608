/**
 * The one registry of materializations. Every kind a model (or seed, snapshot) can have is one
 * record: its name, what it is for, its planner and its capabilities. The planner, the compile-
 * time check of `materialized=` and the executor read this table; adding a kind is one record.
 * A project's or package's `{% materialization name, adapter='default'|'postgres' %}` blocks
 * join at compile time as `user` records (they run in the Jinja context at execution time).
 */
import type { ManifestNode } from '../compiler/types.js';
import { planFeatureTable } from '../features/plan-feature-table.js';
import { planDateDimension } from '../modeling/date-dimension.js';
import { addCitus } from '../modeling/plan-modeling.js';
import { planDimension } from '../modeling/plan-dimension.js';
import { planFact } from '../modeling/plan-fact.js';
import { readModelConfig, type ModelConfig } from './model-config.js';
import { planIncremental } from './plan-incremental.js';
import { planRebuild } from './plan-table.js';
import { planView } from './plan-view.js';
import type { NodePlan, PlanOptions, RelationState } from './types.js';

export interface MaterializationCapabilities {
  /** Write-audit-publish can hold the new data back until its tests pass. */
  readonly audit: boolean;
  /** Can add columns to an existing relation (on_schema_change). */
  readonly addsColumns: boolean;
  /** Creates a relation in the warehouse (ephemeral does not). */
  readonly createsRelation: boolean;
  /** Citus distribution (`distributed_by`, `reference: true`) applies to what it builds. */
  readonly citus: boolean;
}

export interface MaterializationRecord {
  readonly name: string;
  readonly description: string;
  /** Resource types that may use it. */
  readonly resourceTypes: readonly string[];
  readonly capabilities: MaterializationCapabilities;
  /** SQL steps for a node (absent: built elsewhere — seeds, snapshots, user materializations). */
  readonly plan?: (node: ManifestNode, state: RelationState, opts: PlanOptions, cfg: ModelConfig) => NodePlan;
  /** `user`: a `{% materialization %}` block, run by the execution-time renderer. */
  readonly source: 'builtin' | 'user';
}

const RELATION = { audit: false, addsColumns: false, createsRelation: true, citus: true } as const;

const BUILTIN: readonly MaterializationRecord[] = [
  {
    name: 'view',
    description: 'create or replace a view',
    resourceTypes: ['model'],
    capabilities: { ...RELATION, citus: false },
    plan: (n, s, o, c) => planView(n, s, o, c),
    source: 'builtin',
  },
  {
    name: 'table',
    description: 'rebuild a table and swap it in',
    resourceTypes: ['model'],
    capabilities: { ...RELATION, audit: true },
    plan: (n, s, o, c) => planRebuild(n, s, o, c, 'table'),
    source: 'builtin',
  },
  {
    name: 'incremental',
    description: 'append, merge or delete+insert new rows into an existing table',
    resourceTypes: ['model'],
    capabilities: { ...RELATION, audit: true, addsColumns: true },
    plan: (n, s, o, c) => planIncremental(n, s, o, c),
    source: 'builtin',
  },
  {
    name: 'ephemeral',
    description: 'inlined into its children as a CTE; nothing is built',
    resourceTypes: ['model'],
    capabilities: { audit: false, addsColumns: false, createsRelation: false, citus: false },
    plan: (n) => ({ unique_id: n.unique_id, materialization: 'ephemeral', relation: null, temporaries: [], phases: [] }),
    source: 'builtin',
  },
  {
    // whether the SQL changed is unknowable here, so always rebuild + swap (never a stale refresh)
    name: 'materialized_view',
    description: 'rebuild a materialized view and swap it in',
    resourceTypes: ['model'],
    capabilities: RELATION,
    plan: (n, s, o, c) => planRebuild(n, s, o, c, 'materialized_view'),
    source: 'builtin',
  },
  {
    name: 'dimension',
    description: 'a star-schema dimension (SCD type 1, 2 or 3, surrogate keys, unknown member)',
    resourceTypes: ['model'],
    capabilities: RELATION,
    plan: (n, s, o, c) => planDimension(n, s, o, c),
    source: 'builtin',
  },
  {
    name: 'fact',
    description: 'a fact table with surrogate keys looked up point-in-time in its dimensions',
    resourceTypes: ['model'],
    capabilities: RELATION,
    plan: (n, s, o, c) => planFact(n, s, o, c),
    source: 'builtin',
  },
  {
    name: 'date_dimension',
    description: 'a generated calendar dimension',
    resourceTypes: ['model'],
    capabilities: RELATION,
    plan: (n, s, o, c) => planDateDimension(n, s, o, c),
    source: 'builtin',
  },
  {
    name: 'feature_table',
    description: 'an ML feature table (point-in-time rows per entity)',
    resourceTypes: ['model'],
    capabilities: RELATION,
    plan: (n, s, o) => planFeatureTable(n, s, o),
    source: 'builtin',
  },
  {
    name: 'seed',
    description: 'a CSV file loaded with COPY',
    resourceTypes: ['seed'],
    capabilities: { ...RELATION, citus: false },
    source: 'builtin',
  },
  {
    name: 'snapshot',
    description: 'SCD type 2 history of a query (timestamp or check strategy)',
    resourceTypes: ['snapshot'],
    capabilities: { ...RELATION, citus: false },
    source: 'builtin',
  },
];

const REGISTRY = new Map(BUILTIN.map((r) => [r.name, r]));

/** The built-in record for a name, if any. */
export function builtinMaterialization(name: string): MaterializationRecord | undefined {
  return REGISTRY.get(name);
}

/** Every built-in materialization name. */
export function builtinMaterializationNames(): string[] {
  return [...REGISTRY.keys()];
}

/**
 * The record for a user `{% materialization %}` block found in the macro library (dbt names its
 * macro `materialization_<name>_<adapter>`).
 */
export function userMaterialization(name: string): MaterializationRecord {
  return {
    name,
    description: 'a {% materialization %} block of the project or a package',
    resourceTypes: ['model', 'seed', 'snapshot'],
    capabilities: { audit: false, addsColumns: false, createsRelation: true, citus: false },
    source: 'user',
  };
}

/**
 * SQL for a node whose materialization has a planner; Citus distribution is added where the
 * record says it applies.
 */
export function planWith(record: MaterializationRecord, node: ManifestNode, state: RelationState, opts: PlanOptions): NodePlan {
  if (!record.plan) throw new Error(`materialization '${record.name}' has no planner`);
  const plan = record.plan(node, state, opts, readModelConfig(node));
  return record.capabilities.citus ? addCitus(node, plan) : plan;
}
