/**
 * Steps for a model's physical design: indexes, declarative range partitions, grants, and the
 * renaming of child objects (partitions, indexes) that were built under the temporary name.
 */
import type { RelationRef } from '../adapters/warehouse-adapter.js';
import type { PlanStep } from '../planner/types.js';
import type { IndexConfig, PartitionConfig } from './model-config.js';
import { boundedName, ident, identList, literal, qualified } from './sql.js';
import { createHash } from 'node:crypto';

/** A stable name for an index: same config → same name, so reruns are recognisable. */
function indexSuffix(ix: IndexConfig): string {
  const key = `${ix.columns.join(',')}|${ix.unique}|${ix.type ?? 'btree'}`;
  return `__idx_${createHash('sha1').update(key).digest('hex').slice(0, 8)}`;
}

/**
 * `create [unique] index` steps for a relation (built on the temporary name; the swap's
 * `rename children` step gives them their final names).
 *
 * @example indexSteps({ schema: 's', name: 'orders__strata_tmp_ab' }, [{ columns: ['id'], unique: true, type: undefined }])
 * // create unique index "orders__strata_tmp_ab__idx_1c2d3e4f" on "s"."orders__strata_tmp_ab" ("id")
 */
export function indexSteps(on: RelationRef, indexes: readonly IndexConfig[]): PlanStep[] {
  return indexes.map((ix) => ({
    name: 'create index',
    sql: `create ${ix.unique ? 'unique ' : ''}index ${ident(boundedName(on.name, indexSuffix(ix)))} on ${qualified(on)}${ix.type ? ` using ${ix.type}` : ''} (${identList(ix.columns)})`,
  }));
}

/**
 * `grant <privilege> on <relation> to <role>` for each configured grantee.
 *
 * @example grantSteps({ schema: 's', name: 'orders' }, { select: ['reporter'] })
 * // grant select on "s"."orders" to "reporter"
 */
export function grantSteps(on: RelationRef, grants: Readonly<Record<string, readonly string[]>>): PlanStep[] {
  const out: PlanStep[] = [];
  for (const [privilege, roles] of Object.entries(grants)) {
    if (roles.length === 0) continue;
    const to = roles.map((r) => (r.toLowerCase() === 'public' ? 'public' : ident(r))).join(', ');
    out.push({ name: 'grant', sql: `grant ${privilege} on ${qualified(on)} to ${to}` });
  }
  return out;
}

const GRAIN: Readonly<Record<PartitionConfig['granularity'], { interval: string; format: string }>> = {
  day: { interval: '1 day', format: 'YYYYMMDD' },
  month: { interval: '1 month', format: 'YYYYMM' },
  year: { interval: '1 year', format: 'YYYY' },
};

/** Refuse to create more partitions than this from one build (a wrong field would explode). */
export const MAX_PARTITIONS = 5000;

/**
 * Creates the partitions of `parent` covering the range of `field` in `stage` (one per
 * granularity step from min to max), plus a default partition for rows outside later ranges.
 * Data-driven, hence a DO block: the range is only known once the data exists.
 *
 * @example partitionStep(parent, stage, { field: 'ordered_at', dataType: 'date', granularity: 'month' })
 * // do $strata$ ... create table "s"."orders__strata_tmp_ab_p202401" partition of ... for values from ('2024-01-01') to ('2024-02-01') ...
 */
export function partitionStep(parent: RelationRef, stage: RelationRef, p: PartitionConfig): PlanStep {
  const g = GRAIN[p.granularity];
  const cast = p.dataType === 'date' ? 'date' : 'timestamp';
  const sql = `do $strata$
declare
  lo timestamp;
  hi timestamp;
  d timestamp;
  n integer := 0;
begin
  select date_trunc(${literal(p.granularity)}, min(${ident(p.field)})::timestamp), date_trunc(${literal(p.granularity)}, max(${ident(p.field)})::timestamp)
    into lo, hi
    from ${qualified(stage)};
  d := lo;
  while d is not null and d <= hi loop
    n := n + 1;
    if n > ${MAX_PARTITIONS} then
      raise exception 'strata: partition_by on % would create more than ${MAX_PARTITIONS} ${p.granularity} partitions (% to %)', ${literal(p.field)}, lo, hi;
    end if;
    execute format('create table %I.%I partition of %I.%I for values from (%L) to (%L)',
      ${literal(parent.schema)}, ${literal(parent.name)} || '_p' || to_char(d, ${literal(g.format)}),
      ${literal(parent.schema)}, ${literal(parent.name)},
      d::${cast}, (d + interval ${literal(g.interval)})::${cast});
    d := d + interval ${literal(g.interval)};
  end loop;
  execute format('create table %I.%I partition of %I.%I default',
    ${literal(parent.schema)}, ${literal(parent.name)} || '_default', ${literal(parent.schema)}, ${literal(parent.name)});
end
$strata$`;
  return { name: 'create partitions', sql };
}

/**
 * After a swap, renames partitions and indexes named after the temporary relation
 * (`<tmp>_p202401`, `<tmp>__idx_…`) to the final name (`orders_p202401`). Runs after the old
 * relation was dropped, so the final names are free.
 */
export function renameChildrenStep(tmp: RelationRef, target: RelationRef): PlanStep {
  const sql = `do $strata$
declare
  r record;
begin
  for r in
    select c.relname, c.relkind
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${literal(target.schema)}
      and c.relkind in ('r', 'p', 'i', 'I')
      and left(c.relname, ${[...tmp.name].length}) = ${literal(tmp.name)}
  loop
    execute format('alter %s %I.%I rename to %I',
      case when r.relkind in ('i', 'I') then 'index' else 'table' end,
      ${literal(target.schema)}, r.relname, ${literal(target.name)} || substr(r.relname, ${[...tmp.name].length + 1}));
  end loop;
end
$strata$`;
  return { name: 'rename children', sql };
}
