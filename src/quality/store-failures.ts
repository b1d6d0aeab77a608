/**
 * `store_failures: true`: a test's failing rows are kept in a table of the audit schema
 * `<schema>_dbt_test__audit` (dbt's name), one table per test named after it, replaced on
 * every run (an empty table means the test passed last time).
 */
import type { Session } from '../adapters/warehouse-adapter.js';
import type { ManifestNode } from '../compiler/types.js';
import { ident, qualified } from '../planner/sql.js';

/** Where a test's failing rows are stored. */
export function auditRelation(node: ManifestNode): { schema: string; name: string } {
  return { schema: truncate(`${node.schema}_dbt_test__audit`), name: truncate(node.alias || node.name) };
}

/** True when the test's config asks for stored failures (`store_failures` or `store_failures_as: table`). */
export function wantsStoredFailures(node: ManifestNode): boolean {
  const c = node.config;
  return c['store_failures'] === true || c['store_failures_as'] === 'table';
}

/**
 * Statements replacing the audit table with the failing rows.
 *
 * @example storeFailuresSql(uniqueTest, 'select id from "s"."t" group by id having count(*) > 1')
 * // create schema if not exists "s_dbt_test__audit";
 * // drop table if exists "s_dbt_test__audit"."unique_t_id";
 * // create table "s_dbt_test__audit"."unique_t_id" as (select id from "s"."t" group by id having count(*) > 1)
 */
export function storeFailuresSql(node: ManifestNode, failingRowsSql: string): string[] {
  const rel = auditRelation(node);
  return [
    `create schema if not exists ${ident(rel.schema)}`,
    `drop table if exists ${qualified(rel)}`,
    `create table ${qualified(rel)} as (\n${failingRowsSql}\n)`,
  ];
}

/** Runs `storeFailuresSql` on a session (inside the caller's transaction when it has one). */
export async function storeFailures(s: Pick<Session, 'query'>, node: ManifestNode, failingRowsSql: string): Promise<string[]> {
  const sql = storeFailuresSql(node, failingRowsSql);
  for (const stmt of sql) await s.query(stmt);
  return sql;
}

function truncate(name: string): string {
  return Buffer.byteLength(name) <= 63 ? name : Buffer.from(name).subarray(0, 63).toString('utf8').replace(/\uFFFD+$/, '');
}
