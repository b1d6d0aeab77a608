import { randomUUID } from 'node:crypto';
import type { WarehouseAdapter } from '../adapters/warehouse-adapter.js';
import { rollupFingerprint, rollupRelation, rollupSelectSql, rollupSources, type Rollup, type SemanticLayer } from '../semantic/index.js';
import { q } from '../semantic/sql-fragments.js';
import { ensureMetadata, META_SCHEMA, readBuildState, recordBuild, recordNodeBuilds } from './metadata.js';

export interface RollupBuildResult {
  readonly name: string;
  readonly relation: string;
  readonly rows: number;
  readonly ms: number;
  readonly error?: string;
}

/**
 * Builds rollups into `<schema>.rollup_<name>` (a new table swapped in by rename inside a
 * transaction, so readers never see a half-built rollup) and records each in
 * `<metaSchema>.rollups` under the target schema, with its fingerprint and the build ids of
 * its sources as they are now. A failing rollup is reported, not thrown: the planner then
 * keeps reading the fact table.
 *
 * @example await buildRollups(adapter, layer, { schema: 'analytics', buildId })
 */
export async function buildRollups(
  adapter: WarehouseAdapter,
  layer: SemanticLayer,
  opts: { readonly schema: string; readonly buildId: string; readonly metaSchema?: string; readonly only?: readonly Rollup[] },
): Promise<RollupBuildResult[]> {
  const meta = opts.metaSchema ?? META_SCHEMA;
  const rollups = opts.only ?? Object.values(layer.rollups ?? {});
  if (rollups.length === 0) return [];
  await ensureMetadata(adapter, meta);
  await adapter.query(`create schema if not exists ${q(opts.schema)}`);
  const { nodes } = await readBuildState(adapter, meta, opts.schema);
  const out: RollupBuildResult[] = [];
  for (const r of rollups) {
    const started = performance.now();
    const relation = rollupRelation(opts.schema, r);
    const fresh = `rollup_${r.name}__new`;
    const sources = Object.fromEntries(rollupSources(layer, r).map((id) => [id, nodes[id] ?? '']));
    try {
      const rows = await adapter.transaction(async (s) => {
        await s.query(`drop table if exists ${q(opts.schema)}.${q(fresh)}`);
        await s.query(`create table ${q(opts.schema)}.${q(fresh)} as ${rollupSelectSql(layer, r)}`);
        await s.query(`drop table if exists ${relation}`);
        await s.query(`alter table ${q(opts.schema)}.${q(fresh)} rename to ${q(`rollup_${r.name}`)}`);
        const n = await s.query<{ n: string | number }>(`select count(*) as n from ${relation}`);
        const count = Number(n.rows[0]?.n ?? 0);
        await s.query(
          `insert into ${q(meta)}."rollups" (target_schema, name, relation, fingerprint, build_id, rows, sources) values ($1, $2, $3, $4, $5, $6, $7::jsonb)
           on conflict (target_schema, name) do update set relation = excluded.relation, fingerprint = excluded.fingerprint, build_id = excluded.build_id, rows = excluded.rows, sources = excluded.sources, built_at = now()`,
          [opts.schema, r.name, relation, rollupFingerprint(layer, r), opts.buildId, count, JSON.stringify(sources)],
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
 * What `strata run`/`build` call at the end. In order: the rebuilt nodes are recorded under a
 * new build id; rollups are rebuilt — all of them after `build`, after `run` those built from
 * something the run rebuilt (so a rollup never answers from older data than its fact table);
 * then the build id itself, which servers watch (cache invalidation). A server that reads the
 * state in between sees rebuilt sources and an older rollup, and so reads the fact table.
 * `rebuilt` lists the unique ids the run rebuilt; undefined = every model behind the layer.
 *
 * @example const { buildId, rollups } = await afterBuild({ adapter, layer, command: 'run', schema: 'analytics', nodes: 12, rebuilt: ['model.shop.fact_sales'] })
 */
export async function afterBuild(o: {
  readonly adapter: WarehouseAdapter;
  readonly layer: SemanticLayer | undefined;
  readonly command: string;
  readonly schema: string;
  readonly nodes: number;
  readonly metaSchema?: string;
  readonly rebuilt?: readonly string[];
}): Promise<{ buildId: string; rollups: RollupBuildResult[] }> {
  const meta = o.metaSchema ?? META_SCHEMA;
  const buildId = randomUUID();
  const all = Object.values(o.layer?.rollups ?? {});
  const everything = [...new Set(all.flatMap((r) => rollupSources(o.layer!, r)))];
  const rebuilt = o.rebuilt ?? everything;
  await recordNodeBuilds(o.adapter, rebuilt, buildId, meta, o.schema);
  const touched = new Set(rebuilt);
  const due = o.command === 'build' ? all : all.filter((r) => rollupSources(o.layer!, r).some((s) => touched.has(s)));
  const rollups = o.layer && due.length ? await buildRollups(o.adapter, o.layer, { schema: o.schema, buildId, metaSchema: meta, only: due }) : [];
  await recordBuild(o.adapter, o.command, o.nodes, meta, o.schema, buildId);
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
