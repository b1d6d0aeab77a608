/**
 * How a test node becomes SQL and a status: dbt semantics. A test's compiled SQL returns its
 * failing rows; `where` filters them, `limit` caps them, the count is compared with
 * `warn_if`/`error_if` (default `!= 0`) and `severity` decides whether a failure is a warning.
 */
import type { ManifestNode } from '../compiler/types.js';
import type { NodeStatus } from '../executor/dag-runner.js';

/** The failing-rows query of a test (compiled SQL with `where`/`limit` applied). */
export function failingRowsSql(node: ManifestNode, compiled: string = node.compiled_code ?? ''): string {
  const c = node.config;
  // a generic test's `where` already filtered its model (get_where_subquery); a singular test's
  // `where` filters its failing rows
  const where = typeof c['where'] === 'string' && !node.test_metadata ? c['where'] : undefined;
  const limit = typeof c['limit'] === 'number' && Number.isInteger(c['limit']) ? c['limit'] : undefined;
  let sql = stripSemicolons(compiled);
  if (where) sql = `select * from (\n${sql}\n) dbt_internal_test where ${where}`;
  if (limit !== undefined) sql = `select * from (\n${sql}\n) dbt_internal_test limit ${limit}`;
  return sql;
}

/**
 * The failure-count query dbt runs for a test.
 *
 * @example failureCountSql(notNullTest)
 * // select count(*) as failures from (
 * // select order_id from "db"."s"."orders" where order_id is null
 * // ) dbt_internal_test
 */
export function failureCountSql(node: ManifestNode, compiled?: string): string {
  // `fail_calc` (dbt): what counts as the failure number, e.g. 'sum(coalesce(diff_count, 0))'
  const calc = typeof node.config['fail_calc'] === 'string' && node.config['fail_calc'].trim() !== '' ? node.config['fail_calc'] : 'count(*)';
  const expr = calc === 'count(*)' ? calc : `coalesce(${calc}, 0)`;
  return `select ${expr} as failures from (\n${failingRowsSql(node, compiled)}\n) dbt_internal_test`;
}

/** True for a test that fails with an error (not a warning) when its condition holds. */
export function isErrorSeverity(node: ManifestNode): boolean {
  return String(node.config['severity'] ?? 'error').toLowerCase() !== 'warn';
}

/**
 * Status of a test from its failure count.
 *
 * @example testStatus(3, { severity: 'error' }) // { status: 'fail', message: '3 failing rows' }
 * @example testStatus(3, { severity: 'error', error_if: '>10' }) // { status: 'warn', ... }
 */
export function testStatus(failures: number, config: Readonly<Record<string, unknown>>): { status: NodeStatus; message: string } {
  const severity = String(config['severity'] ?? 'error').toLowerCase();
  const errorIf = typeof config['error_if'] === 'string' ? config['error_if'] : '!= 0';
  const warnIf = typeof config['warn_if'] === 'string' ? config['warn_if'] : '!= 0';
  const text = `${failures} failing row${failures === 1 ? '' : 's'}`;
  if (severity !== 'warn' && threshold(failures, errorIf)) return { status: 'fail', message: text };
  if (threshold(failures, warnIf)) return { status: 'warn', message: text };
  return { status: 'pass', message: 'pass' };
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

function stripSemicolons(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}
