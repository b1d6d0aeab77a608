import type { ManifestNode } from '../../compiler/types.js';
import { runDriftTest } from '../../quality/drift-test.js';
import { failingRowsSql, failureCountSql, testStatus } from '../../quality/test-query.js';
import { storeFailures, wantsStoredFailures } from '../../quality/store-failures.js';
import type { NodeOutcome } from '../dag-runner.js';
import type { NodeRunContext } from '../run-node.js';

export { threshold } from '../../quality/test-query.js';

/**
 * A test passes when its query returns no rows. `severity: warn` (or `warn_if`/`error_if`
 * thresholds on the failure count) make failures warnings; `store_failures` keeps the failing
 * rows in `<schema>_dbt_test__audit`. A test already evaluated while auditing its model
 * (write-audit-publish) reports that outcome instead of running again.
 */
export async function runTest(ctx: NodeRunContext, node: ManifestNode): Promise<NodeOutcome> {
  const audited = ctx.quality?.auditResults.get(node.unique_id);
  if (audited) return audited;
  if (node.test_metadata?.name === 'drift') return runDriftTest(ctx, node);
  const sql = failureCountSql(node);
  const r = await ctx.adapter.query<{ failures: string | number }>(sql);
  const executed = [sql];
  const failures = Number(r.rows[0]?.failures ?? 0);
  if (wantsStoredFailures(node)) executed.push(...(await ctx.adapter.transaction((s) => storeFailures(s, node, failingRowsSql(node)))));
  ctx.onExecuted?.(node, executed);
  return { ...testStatus(failures, node.config), data: { failures } };
}
