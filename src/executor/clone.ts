/**
 * `strata clone`: each selected node's relation in the target becomes a view over the same
 * node's relation in the `--state` manifest's target (PostgreSQL has no zero-copy clone; this is
 * dbt-postgres's fallback). Relations that exist are left alone unless `fullRefresh`.
 */
import type { ExistingRelation, RelationRef, WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import { ident, kindKeyword, qualified } from '../planner/sql.js';
import type { NodeResult } from './dag-runner.js';

export interface CloneItem {
  readonly id: string;
  /** The relation to create in the current target. */
  readonly target: RelationRef;
  /** The relation of the same node in the --state manifest. */
  readonly source: RelationRef;
}

export interface CloneOptions {
  readonly fullRefresh: boolean;
  readonly onFinish?: (result: NodeResult, done: number, total: number) => void;
}

/**
 * The statements that clone `item` given what exists at its target: none when it exists and
 * this is not a full refresh; a relation that is not a view is dropped first (a view is
 * replaced in place).
 *
 * @example cloneStatements({ id: 'm', target: { schema: 'dev', name: 'm' }, source: { schema: 'prod', name: 'm' } }, undefined, false)
 * // ['create or replace view "dev"."m" as select * from "prod"."m"']
 */
export function cloneStatements(item: CloneItem, existing: ExistingRelation | undefined, fullRefresh: boolean): string[] {
  if (existing && !fullRefresh) return [];
  const create = `create or replace view ${qualified(item.target)} as select * from ${qualified(item.source)}`;
  if (!existing || existing.kind === 'view') return [create];
  return [`drop ${kindKeyword(existing.kind)} ${qualified(item.target)}`, create];
}

/** Clones the items in order (each in its own transaction); database errors become node results. */
export async function runClone(adapter: WarehouseAdapter, items: readonly CloneItem[], opts: CloneOptions): Promise<NodeResult[]> {
  const results: NodeResult[] = [];
  const releases: (() => Promise<void>)[] = [];
  const schemas = [...new Set(items.map((i) => i.target.schema))].sort();
  try {
    for (const schema of schemas) {
      const release = await adapter.acquireRunLock(schema, { wait: true });
      if (release) releases.push(release);
      await adapter.query(`create schema if not exists ${ident(schema)}`);
    }
    for (const item of items) {
      const started = new Date();
      const t0 = performance.now();
      let outcome: Pick<NodeResult, 'status' | 'message' | 'data'>;
      try {
        const source = await adapter.getRelation(item.source);
        const existing = await adapter.getRelation(item.target);
        const statements = cloneStatements(item, existing, opts.fullRefresh);
        if (!source) {
          outcome = { status: 'error', message: `the --state relation ${qualified(item.source)} does not exist: nothing to clone` };
        } else if (statements.length === 0) {
          outcome = {
            status: 'skipped',
            message: `${qualified(item.target)} already exists (${existing!.kind}); --full-refresh replaces it with a clone`,
            data: { reason: 'exists' },
          };
        } else {
          await adapter.transaction(async (s) => {
            for (const sql of statements) await s.query(sql);
          });
          outcome = { status: 'success', message: `view ${qualified(item.target)} over ${qualified(item.source)}`, data: { sql: statements } };
        }
      } catch (e) {
        outcome = { status: 'error', message: e instanceof Error ? e.message : String(e) };
      }
      const result: NodeResult = {
        id: item.id,
        ...outcome,
        executionTime: (performance.now() - t0) / 1000,
        startedAt: started.toISOString(),
        completedAt: new Date().toISOString(),
      };
      results.push(result);
      opts.onFinish?.(result, results.length, items.length);
    }
  } finally {
    for (const r of releases.reverse()) await r();
  }
  return results;
}
