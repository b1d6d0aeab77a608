import { createHash } from 'node:crypto';
import { buildGroupSql, type DimRef, type Group } from './plan-group.js';
import { Params, q } from './sql-fragments.js';
import type { Granularity, Rollup, SemanticLayer } from './types.js';

/**
 * The SELECT that materialises a rollup: the model's measures aggregated (fan-out safe, like any
 * query) by the rollup's dimensions as `d0…`, its time dimension truncated as `t`, measures as
 * `m0…`. No access filter: rollups hold everything; the planner filters them per role.
 *
 * @example
 * rollupSelectSql(layer, layer.rollups.by_region_month)
 * // with "g1" as (select "customer"."region" as "d0", date_trunc('month', "sales"."sold_at")::date as "t",
 * //   sum("sales"."amount") as "m0" from … left join … group by 1, 2) select * from "g1"
 */
export function rollupSelectSql(layer: SemanticLayer, rollup: Rollup): string {
  const dimRef = (member: string, alias: string, grain?: Granularity): DimRef => {
    const [model, dim] = member.split('.') as [string, string];
    return { member, model, dim, grain, type: layer.models[model]!.dimensions[dim]!.type, alias };
  };
  const dims: DimRef[] = rollup.dimensions.map((d, i) => dimRef(d, `d${i}`));
  if (rollup.timeDimension) dims.push(dimRef(rollup.timeDimension, 't', rollup.granularity ?? 'day'));
  const group: Group = { name: 'g1', model: rollup.model, filters: [], leaves: rollup.measures.map((m, j) => ({ measure: m, alias: `m${j}` })), metric: null };
  const params = new Params();
  const cte = buildGroupSql(layer, group, { dims, dimFilters: [], segments: [], timeRange: undefined, access: undefined, params });
  if (params.values.length) throw new Error('rollup build SQL must not need parameters');
  return `with ${cte.sql}\nselect * from "g1"`;
}

/** A short hash of what a rollup stores, so a changed definition is not read before a rebuild. */
export function rollupFingerprint(layer: SemanticLayer, rollup: Rollup): string {
  return createHash('sha256').update(rollupSelectSql(layer, rollup)).digest('hex').slice(0, 16);
}

/** The table a rollup is built into: `"<schema>"."rollup_<name>"`. */
export function rollupRelation(schema: string, rollup: Rollup | string): string {
  return `${q(schema)}.${q(`rollup_${typeof rollup === 'string' ? rollup : rollup.name}`)}`;
}

/**
 * What a rollup is built from, as the keys builds are recorded under: the unique ids of the
 * project models behind every semantic model it reads (its own and those of its dimensions),
 * or the relation itself for models declared with `table:`.
 *
 * @example rollupSources(layer, layer.rollups.sales_month) // ['model.shop.fact_sales', 'model.shop.dim_customer', …]
 */
export function rollupSources(layer: SemanticLayer, rollup: Rollup): string[] {
  const models = new Set([rollup.model, ...rollup.dimensions.map((d) => d.split('.')[0]!), ...(rollup.timeDimension ? [rollup.timeDimension.split('.')[0]!] : [])]);
  const out = new Set<string>();
  for (const name of models) {
    const m = layer.models[name];
    if (!m) continue;
    for (const id of m.dependsOn.length ? m.dependsOn : [m.from]) out.add(id);
  }
  return [...out].sort();
}
