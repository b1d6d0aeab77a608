import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Manifest, ManifestNode } from '../compiler/types.js';
import type { NodeResult } from './dag-runner.js';
import { writeAtomic } from '../compiler/artifacts.js';

let invocationArgs: Record<string, unknown> = {};

/**
 * The flags of the running command (snake_case, as dbt records them: select, exclude, selector,
 * state, vars, target, ...), written to run_results.json's `args` so `strata retry` can repeat
 * them. Set once per invocation by the CLI.
 */
export function setInvocationArgs(args: Record<string, unknown>): void {
  invocationArgs = args;
}

/** `target/run_results.json` in dbt's shape (results[] with unique_id, status, timing, ...). */
export async function writeRunResults(
  targetDir: string,
  results: readonly NodeResult[],
  meta: { invocationId: string; command: string; elapsed: number; args: Record<string, unknown> },
): Promise<void> {
  const body = {
    metadata: {
      dbt_schema_version: 'https://schemas.getdbt.com/dbt/run-results/v6.json',
      strata_version: '0.1.0',
      generated_at: new Date().toISOString(),
      invocation_id: meta.invocationId,
    },
    results: results.map((r) => ({
      unique_id: r.id,
      status: r.status,
      execution_time: r.executionTime,
      message: r.message ?? null,
      rows_affected: r.rowsAffected ?? null,
      failures: typeof r.data?.['failures'] === 'number' ? r.data['failures'] : null,
      timing: r.startedAt
        ? [{ name: 'execute', started_at: r.startedAt, completed_at: r.completedAt }]
        : [],
      adapter_response: r.rowsAffected !== undefined && r.rowsAffected !== null ? { rows_affected: r.rowsAffected } : {},
      thread_id: null,
    })),
    elapsed_time: meta.elapsed,
    args: { ...invocationArgs, which: meta.command, ...meta.args },
  };
  await writeAtomic(join(targetDir, 'run_results.json'), JSON.stringify(body, null, 2));
}

/** `target/run/<package>/<file>.sql`: the SQL a node actually ran, statements separated by `;`. */
export function writeRunSql(targetDir: string, node: ManifestNode, sql: readonly string[]): void {
  const file = node.test_metadata || node.resource_type === 'snapshot' ? join(node.original_file_path, `${node.name}.sql`) : node.original_file_path.replace(/\.csv$/i, '.sql');
  const p = join(targetDir, 'run', node.package_name, file);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, sql.map((s) => `${s.trim()};`).join('\n\n') + '\n');
}

/** Schemas every selected relational node builds into. */
export function schemasOf(manifest: Manifest, ids: readonly string[]): string[] {
  const out = new Set<string>();
  for (const id of ids) {
    const n = manifest.nodes[id];
    if (n && n.resource_type !== 'test' && n.config.materialized !== 'ephemeral') out.add(n.schema);
  }
  return [...out].sort();
}
