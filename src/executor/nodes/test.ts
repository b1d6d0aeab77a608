import type { ManifestNode } from '../../compiler/types.js';
import type { NodeOutcome } from '../dag-runner.js';
import type { NodeRunContext } from '../run-node.js';

/**
 * A test passes when its query returns no rows. `severity: warn` (or `warn_if`/`error_if`
 * thresholds on the failure count) make failures warnings.
 */
export async function runTest(ctx: NodeRunContext, node: ManifestNode): Promise<NodeOutcome> {
  const c = node.config;
  const where = typeof c['where'] === 'string' ? c['where'] : undefined;
  const limit = typeof c['limit'] === 'number' ? c['limit'] : undefined;
  let inner = node.compiled_code ?? '';
  if (where) inner = `select * from (${inner}\n) dbt_internal_test where ${where}`;
  const sql = `select count(*) as failures from (\n${inner}\n${limit !== undefined ? `limit ${limit}` : ''}) dbt_internal_test`;
  const r = await ctx.adapter.query<{ failures: string | number }>(sql);
  ctx.onExecuted?.(node, [sql]);
  const failures = Number(r.rows[0]?.failures ?? 0);
  const severity = String(c['severity'] ?? 'error').toLowerCase();
  const errorIf = typeof c['error_if'] === 'string' ? c['error_if'] : '!= 0';
  const warnIf = typeof c['warn_if'] === 'string' ? c['warn_if'] : '!= 0';
  const data = { failures };
  if (severity !== 'warn' && threshold(failures, errorIf)) {
    return { status: 'fail', message: `${failures} failing row${failures === 1 ? '' : 's'}`, data };
  }
  if (threshold(failures, warnIf)) {
    return { status: 'warn', message: `${failures} failing row${failures === 1 ? '' : 's'}`, data };
  }
  return { status: 'pass', message: 'pass', data };
}

/** dbt's `warn_if`/`error_if` conditions: '!= 0', '>10', '>= 5', '= 0', '<3'. */
export function threshold(failures: number, cond: string): boolean {
  const m = /^\s*(!=|>=|<=|=|==|>|<)\s*(\d+(?:\.\d+)?)\s*$/.exec(cond);
  if (!m) return failures !== 0;
  const n = Number(m[2]);
  switch (m[1]) {
    case '!=':
      return failures !== n;
    case '>=':
      return failures >= n;
    case '<=':
      return failures <= n;
    case '>':
      return failures > n;
    case '<':
      return failures < n;
    default:
      return failures === n;
  }
}

