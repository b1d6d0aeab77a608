/**
 * JUnit XML for CI systems (GitLab, Jenkins, GitHub test reporters): one `<testsuite>` per
 * resource type (tests, models, seeds, snapshots), one `<testcase>` per node; `fail` becomes
 * `<failure>`, `error` `<error>`, `skipped` `<skipped>`, `warn` passes with the warning in
 * `<system-out>`.
 */
import type { Manifest } from '../compiler/types.js';
import type { NodeResult } from '../executor/dag-runner.js';

const SUITES = [
  ['test', 'tests'],
  ['unit_test', 'unit tests'],
  ['model', 'models'],
  ['seed', 'seeds'],
  ['snapshot', 'snapshots'],
] as const;

/**
 * @example junitXml(manifest, results, 'build')
 * // <?xml version="1.0" encoding="UTF-8"?>
 * // <testsuites name="strata build" tests="2" failures="1" errors="0" skipped="0" time="0.120">
 * //   <testsuite name="tests" …><testcase classname="model.shop.orders" name="unique_orders_id" time="0.010">
 * //     <failure type="fail" message="3 failing rows">…</failure></testcase></testsuite>
 * // </testsuites>
 */
export function junitXml(manifest: Manifest, results: readonly NodeResult[], command: string, timestamp = new Date().toISOString()): string {
  const lines: string[] = [];
  const count = (rs: readonly NodeResult[], s: string): number => rs.filter((r) => r.status === s).length;
  const time = (rs: readonly NodeResult[]): string => rs.reduce((a, r) => a + r.executionTime, 0).toFixed(3);
  lines.push('<?xml version="1.0" encoding="UTF-8"?>');
  lines.push(
    `<testsuites name="${esc(`strata ${command}`)}" tests="${results.length}" failures="${count(results, 'fail')}" errors="${count(results, 'error')}" skipped="${count(results, 'skipped')}" time="${time(results)}">`,
  );
  for (const [type, suite] of SUITES) {
    const rs = results.filter((r) => manifest.nodes[r.id]?.resource_type === type).sort((a, b) => a.id.localeCompare(b.id));
    if (rs.length === 0) continue;
    lines.push(
      `  <testsuite name="${suite}" tests="${rs.length}" failures="${count(rs, 'fail')}" errors="${count(rs, 'error')}" skipped="${count(rs, 'skipped')}" time="${time(rs)}" timestamp="${esc(timestamp)}">`,
    );
    for (const r of rs) {
      const n = manifest.nodes[r.id]!;
      const classname = type === 'test' || type === 'unit_test' ? (n.attached_node ?? n.depends_on.nodes[0] ?? n.unique_id) : n.unique_id;
      const head = `    <testcase classname="${esc(classname)}" name="${esc(n.name)}" file="${esc(n.original_file_path)}" time="${r.executionTime.toFixed(3)}"`;
      const msg = esc(r.message ?? '');
      if (r.status === 'fail') lines.push(`${head}>`, `      <failure type="fail" message="${msg}">${esc(detail(r))}</failure>`, '    </testcase>');
      else if (r.status === 'error') lines.push(`${head}>`, `      <error type="error" message="${msg}">${esc(detail(r))}</error>`, '    </testcase>');
      else if (r.status === 'skipped') lines.push(`${head}>`, `      <skipped message="${msg}"/>`, '    </testcase>');
      else if (r.status === 'warn') lines.push(`${head}>`, `      <system-out>WARN: ${msg}</system-out>`, '    </testcase>');
      else lines.push(`${head}/>`);
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

function detail(r: NodeResult): string {
  const f = r.data?.['failures'];
  return `${r.id}: ${r.message ?? ''}${typeof f === 'number' ? ` (failures: ${f})` : ''}`;
}

/** XML-escapes text and attribute values; drops characters XML 1.0 cannot carry. */
export function esc(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
