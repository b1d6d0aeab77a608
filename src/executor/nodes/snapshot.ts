import type { ManifestNode } from '../../compiler/types.js';
import type { NodeOutcome } from '../dag-runner.js';
import type { NodeRunContext } from '../run-node.js';

/** Snapshots (SCD2 history of a source query) are not implemented yet. */
export async function runSnapshot(_ctx: NodeRunContext, node: ManifestNode): Promise<NodeOutcome> {
  return { status: 'error', message: `snapshot ${node.name}: snapshots are not supported by this version of strata yet` };
}
