import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import { rollupFingerprint, rollupRelation, rollupSelectSql, type SemanticLayer } from '../semantic/index.js';
import { q } from '../semantic/sql-fragments.js';
import { ensureMetadata, META_SCHEMA, recordBuild } from './metadata.js';

export interface RollupBuildResult {
  readonly name: string;
  readonly relation: string;
  readonly rows: number;
  readonly ms: number;
  readonly error?: string;
}

/**
 * Builds every rollup of the layer into `<schema>.rollup_<name>` (a new table swapped in by
 * rename inside a transaction, so readers never see a half-built rollup) and records it in
 * `<metaSchema>.rollups` with its fingerprint. A failing rollup is reported, not thrown: the
 * planner then simply keeps reading the fact table.
 *
 * @example await buildRollups(adapter, layer, { schema: 'analytics', buildId })
 */
export async function buildRollups(
  adapter: WarehouseAdapter,
  layer: SemanticLayer,
  opts: { readonly schema: string; readonly buildId: string; readonly metaSchema?: string },
): Promise<RollupBuildResult[]> {
  const meta = opts.metaSchema ?? META_SCHEMA;
  const rollups = Object.values(layer.rollups ?? {});
  if (rollups.length === 0) return [];
  await ensureMetadata(adapter, meta);
  await adapter.query(`create schema if not exists ${q(opts.schema)}`);
  const out: RollupBuildResult[] = [];
  for (const r of rollups) {
    const started = performance.now();
    const relation = rollupRelation(opts.schema, r);
    const fresh = `rollup_${r.name}__new`;
    try {
      const rows = await adapter.transaction(async (s) => {
        await s.query(`drop table if exists ${q(opts.schema)}.${q(fresh)}`);
        await s.query(`create table ${q(opts.schema)}.${q(fresh)} as ${rollupSelectSql(layer, r)}`);
        await s.query(`drop table if exists ${relation}`);
        await s.query(`alter table ${q(opts.schema)}.${q(fresh)} rename to ${q(`rollup_${r.name}`)}`);
        const n = await s.query<{ n: string | number }>(`select count(*) as n from ${relation}`);
        const count = Number(n.rows[0]?.n ?? 0);
        await s.query(
          `insert into ${q(meta)}."rollups" (name, relation, fingerprint, build_id, rows) values ($1, $2, $3, $4, $5)
           on conflict (name) do update set relation = excluded.relation, fingerprint = excluded.fingerprint, build_id = excluded.build_id, rows = excluded.rows, built_at = now()`,
          [r.name, relation, rollupFingerprint(layer, r), opts.buildId, count],
        );
        return count;
      });
      out.push({ name: r.name, relation, rows, ms: performance.now() - started });
    } catch (e) {
      out.push({ name: r.name, relation, rows: 0, ms: performance.now() - started, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}

/**
 * What `strata run`/`build` call at the end: records the build id (cache invalidation) and,
 * for `build`, rebuilds the rollups. Resolves to the build id and per-rollup results.
 *
 * @example const { buildId, rollups } = await afterBuild({ adapter, layer, command: 'build', schema: 'analytics', nodes: 12 })
 */
export async function afterBuild(o: {
  readonly adapter: WarehouseAdapter;
  readonly layer: SemanticLayer | undefined;
  readonly command: string;
  readonly schema: string;
  readonly nodes: number;
  readonly metaSchema?: string;
}): Promise<{ buildId: string; rollups: RollupBuildResult[] }> {
  const meta = o.metaSchema ?? META_SCHEMA;
  // Rollups first, then the build id: a server that sees the new id also sees the new rollups.
  const pending = `pending-${Date.now()}`;
  const rollups = o.command === 'build' && o.layer ? await buildRollups(o.adapter, o.layer, { schema: o.schema, buildId: pending, metaSchema: meta }) : [];
  const buildId = await recordBuild(o.adapter, o.command, o.nodes, meta);
  if (rollups.length) await o.adapter.query(`update ${q(meta)}."rollups" set build_id = $1 where build_id = $2`, [buildId, pending]);
  return { buildId, rollups };
}

/**
 * `afterBuild` for the CLI: never throws (a failed bookkeeping step must not fail the run) and
 * returns lines to report.
 *
 * @example for (const line of await afterBuildReport({ … })) reporter.info(line)
 */
export async function afterBuildReport(o: Parameters<typeof afterBuild>[0]): Promise<string[]> {
  try {
    const r = await afterBuild(o);
    // The build id itself is silent bookkeeping; only rollups (user-declared work) are reported.
    return r.rollups.map((x) => (x.error ? `Rollup ${x.name} failed: ${x.error}` : `Rollup ${x.name}: ${x.rows} rows in ${(x.ms / 1000).toFixed(2)}s`));
  } catch (e) {
    return [`Could not record the build id or build rollups: ${e instanceof Error ? e.message : String(e)}`];
  }
}
