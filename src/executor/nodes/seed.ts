import { join } from 'node:path';
import type { ManifestNode } from '../../compiler/types.js';
import { loadSeed } from '../../seeds/index.js';
import type { NodeOutcome } from '../dag-runner.js';
import type { NodeRunContext } from '../run-node.js';

/** Loads a seed CSV profiled before the run (COPY into staging, publish in one transaction). */
export async function runSeed(ctx: NodeRunContext, node: ManifestNode): Promise<NodeOutcome> {
  const profile = ctx.seedProfiles.get(node.unique_id);
  if (!profile) return { status: 'error', message: `seed ${node.name} was not checked before the run` };
  const r = await loadSeed(ctx.adapter, {
    schema: node.schema,
    name: node.alias,
    absPath: join(ctx.projectRoot, node.original_file_path),
    profile,
    ...(node.config['column_types'] ? { columnTypes: node.config['column_types'] as Record<string, unknown> } : {}),
    ...(typeof node.config['delimiter'] === 'string' ? { delimiter: node.config['delimiter'] } : {}),
    fullRefresh: ctx.fullRefresh || node.config['full_refresh'] === true,
    runId: ctx.runId,
    dbtTypes: ctx.dbtProject === true,
    quoteColumns: node.config['quote_columns'] !== false,
  });
  ctx.onExecuted?.(node, r.sql);
  return { status: 'success', message: `seed ${r.mode} (${r.rows} rows)`, rowsAffected: r.rows };
}

