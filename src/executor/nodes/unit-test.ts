import type { ManifestNode } from '../../compiler/types.js';
import { runUnitTestSpec } from '../../quality/unit-tests/run.js';
import type { NodeOutcome } from '../dag-runner.js';
import type { NodeRunContext } from '../run-node.js';
import { sqlColumns } from './model.js';

/**
 * A dbt unit test: the model's SQL on fixture rows, compared with the expected rows
 * (quality/unit-tests/run.ts). Only queries: nothing is created in the target schema.
 * `pass`, `fail` (rows differ; exit 1) or `error` (the SQL failed, an input is unknown).
 */
export async function runUnitTest(ctx: NodeRunContext, node: ManifestNode): Promise<NodeOutcome> {
  const r = await runUnitTestSpec(ctx.adapter, node, (sql) => sqlColumns(ctx.adapter, sql));
  ctx.onExecuted?.(node, r.sql);
  return { status: r.status, message: r.message, ...(r.data ? { data: r.data } : {}) };
}
