/**
 * `view`: `create or replace view` when Postgres allows it (the old columns are a prefix of the
 * new ones, same names and types); otherwise build under a temporary name and swap, which also
 * replaces a table or materialized view of the same name without losing dependent views.
 */
import type { ColumnDef } from '../adapters/warehouse-adapter.js';
import type { ManifestNode } from '../compiler/types.js';
import { withHooks } from './hooks.js';
import type { ModelConfig } from './model-config.js';
import { grantSteps } from './physical-design.js';
import { bodyOf, targetOf } from './plan-table.js';
import { qualified, tempRef } from './sql.js';
import { swapSteps } from './swap.js';
import type { NodePlan, PlanOptions, RelationState } from './types.js';

/**
 * True when `create or replace view` accepts the new column list: Postgres only lets a view gain
 * columns at the end, never rename, drop or retype one.
 *
 * @example replaceableColumns([{name:'a',dataType:'integer'}], [{name:'a',dataType:'integer'},{name:'b',dataType:'text'}]) // true
 */
export function replaceableColumns(old: readonly ColumnDef[], next: readonly ColumnDef[]): boolean {
  if (next.length < old.length) return false;
  return old.every((c, i) => next[i]?.name === c.name && next[i]?.dataType === c.dataType);
}

/**
 * @example planView(node, { existing: undefined, columns: [] }, opts, cfg)
 * // transaction: create view "s"."v" as (select …)
 */
export function planView(node: ManifestNode, state: RelationState, opts: PlanOptions, cfg: ModelConfig): NodePlan {
  const target = targetOf(node);
  const body = bodyOf(node);
  const base = { unique_id: node.unique_id, materialization: 'view', relation: target };
  const grants = grantSteps(target, cfg.grants);

  if (!state.existing) {
    const steps = [{ name: 'create view', sql: `create view ${qualified(target)} as (\n${body}\n)` }, ...grants];
    return { ...base, temporaries: [], phases: withHooks([{ transactional: true, steps }], cfg.preHooks, cfg.postHooks) };
  }
  if (state.existing.kind === 'view') {
    if (!state.newColumns) return { ...base, temporaries: [], phases: [], needsNewColumns: true };
    if (replaceableColumns(state.columns, state.newColumns)) {
      const steps = [{ name: 'replace view', sql: `create or replace view ${qualified(target)} as (\n${body}\n)` }, ...grants];
      return { ...base, temporaries: [], phases: withHooks([{ transactional: true, steps }], cfg.preHooks, cfg.postHooks) };
    }
  }
  const tmp = tempRef(target, opts.runId);
  const swap = [...swapSteps({ target, existingKind: state.existing.kind, tmp, newKind: 'view', runId: opts.runId }), ...grants];
  return {
    ...base,
    temporaries: [tmp],
    phases: withHooks(
      [
        { transactional: false, steps: [{ name: 'create view', sql: `create view ${qualified(tmp)} as (\n${body}\n)` }] },
        { transactional: true, steps: swap },
      ],
      cfg.preHooks,
      cfg.postHooks,
    ),
  };
}
