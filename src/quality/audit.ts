/**
 * Write-audit-publish: which tests audit a model, and how a test is pointed at the staged data.
 *
 * A test's compiled SQL names its model by the model's `relation_name` ("db"."schema"."alias").
 * To test a staged relation we replace that exact quoted string with the staged relation's
 * quoted name: quoted three-part names cannot occur by accident in SQL text (a column, alias or
 * string literal would have to spell the quotes too), and Jinja has already run, so whatever
 * macros produced is final. A test that does not contain the string (a custom test that builds
 * the name itself) cannot be redirected: it runs inside the publish transaction instead, where
 * the swapped-in relation has the model's name and a failure rolls the publish back.
 */
import type { Session } from '../adapters/warehouse-adapter.js';
import type { Manifest, ManifestNode } from '../compiler/types.js';
import type { NodeStatus } from '../executor/dag-runner.js';
import { ident } from '../planner/sql.js';
import { evaluateDrift } from './drift-test.js';
import { failingRowsSql, failureCountSql, isErrorSeverity, testStatus } from './test-query.js';
import type { QualityRunContext } from './types.js';

export interface AuditedTest {
  readonly id: string;
  readonly name: string;
  readonly status: NodeStatus;
  readonly message: string;
  readonly failures: number;
  /** SQL that was run (for target/run). */
  readonly sql: readonly string[];
}

/**
 * True when a model is built with write-audit-publish: `table` and `incremental` models whose
 * `audit` config is `blocking` (or unset in a strata project); `audit: none` turns it off.
 *
 * @example auditEnabled({ config: { materialized: 'table' } }, { auditByDefault: true }) // true
 */
export function auditEnabled(node: ManifestNode, quality: Pick<QualityRunContext, 'auditByDefault'> | undefined): boolean {
  if (!quality) return false;
  const m = node.config.materialized;
  if (m !== 'table' && m !== 'incremental') return false;
  const a = node.config['audit'];
  if (a === 'none' || a === false || a === 'off') return false;
  if (a === 'blocking' || a === true) return true;
  return quality.auditByDefault;
}

/**
 * The selected error-severity tests that audit `modelId`: generic tests attached to it and
 * singular tests that read only it. A test reading another model too (relationships) audits the
 * model it is attached to and reads the other one as it currently is.
 */
export function auditTestsOf(manifest: Manifest, modelId: string, selected: ReadonlySet<string>): ManifestNode[] {
  const out: ManifestNode[] = [];
  for (const id of manifest.child_map[modelId] ?? []) {
    const t = manifest.nodes[id];
    if (!t || t.resource_type !== 'test' || !selected.has(id) || !isErrorSeverity(t)) continue;
    const attached = t.attached_node ?? (t.depends_on.nodes.length === 1 ? t.depends_on.nodes[0] : undefined);
    if (attached === modelId) out.push(t);
  }
  return out.sort((a, b) => a.unique_id.localeCompare(b.unique_id));
}

/**
 * The quoted name of a relation in the same database as `model`, in `relation_name`'s form.
 *
 * @example stagedRelationName(orders, 'orders__strata_tmp_1a2b3c4d')
 * // "postgres"."analytics"."orders__strata_tmp_1a2b3c4d"
 */
export function stagedRelationName(model: ManifestNode, stagedName: string): string {
  const rn = model.relation_name ?? `${ident(model.schema)}.${ident(model.alias)}`;
  const tail = ident(model.alias);
  if (!rn.endsWith(tail)) throw new Error(`${model.unique_id}: relation_name ${rn} does not end with ${tail}`);
  return rn.slice(0, rn.length - tail.length) + ident(stagedName);
}

/** The test's SQL with the model's relation replaced, or undefined when it does not name it. */
export function redirectTest(test: ManifestNode, model: ManifestNode, stagedName: string): string | undefined {
  const sql = test.compiled_code ?? '';
  const from = model.relation_name;
  if (!from || !sql.includes(from)) return undefined;
  return sql.split(from).join(stagedRelationName(model, stagedName));
}

/**
 * Runs one audit test (its failure count) on a session; `compiled` is the (redirected) SQL.
 * Drift tests compare the relation (`relationOverride`) with the stored baseline.
 */
export async function runAuditTest(
  s: Pick<Session, 'query'>,
  test: ManifestNode,
  compiled: string,
  relation: { schema: string; name: string },
  manifest: Manifest,
): Promise<AuditedTest> {
  if (test.test_metadata?.name === 'drift') {
    const d = await evaluateDrift(s, test, manifest, relation);
    return { id: test.unique_id, name: test.name, status: d.status, message: d.message, failures: d.failures, sql: d.sql };
  }
  const sql = failureCountSql(test, compiled);
  const r = await s.query<{ failures: string | number }>(sql);
  const failures = Number(r.rows[0]?.failures ?? 0);
  return { id: test.unique_id, name: test.name, ...testStatus(failures, test.config), failures, sql: [sql] };
}

/** The failing-rows query of a redirected test (for store_failures). */
export function auditFailingRowsSql(test: ManifestNode, compiled: string): string {
  return failingRowsSql(test, compiled);
}

/** True when an audit result blocks publishing. */
export function blocks(r: AuditedTest): boolean {
  return r.status === 'fail' || r.status === 'error';
}
