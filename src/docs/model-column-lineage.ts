import { join } from 'node:path';
import type { Manifest } from '../compiler/types.js';
import { initSqlParser } from '../semantic/sql-parser.js';
import { readLineageCache, writeLineageCache } from './lineage-cache.js';
import { projectColumnLineage, type NodeColumnLineage } from './project-lineage.js';
import { readProjectState } from './read-artifacts.js';

/**
 * Column lineage of every model of a compiled project, with seed headers and catalog.json as
 * known columns and the lineage cache of `target/` (shared with `strata docs generate`).
 *
 * @example (await modelColumnLineage(manifest, graph.order, root))['model.shop.orders'].columns[0]
 * // { column: 'order_id', sources: [{ node: 'seed.shop.raw_orders', column: 'id' }], status: 'resolved', direct: true }
 */
export async function modelColumnLineage(manifest: Manifest, order: readonly string[], root: string, targetPath = 'target'): Promise<Record<string, NodeColumnLineage>> {
  await initSqlParser();
  const target = join(root, targetPath);
  const [state, cache] = await Promise.all([readProjectState(root, targetPath, manifest), readLineageCache(target)]);
  const lineage = projectColumnLineage(manifest, state.knownColumns, order, cache);
  await writeLineageCache(target, cache, new Set(Object.keys(lineage)));
  return lineage;
}
