/**
 * Snapshots with dbt semantics: history of a query's rows as versions with `dbt_scd_id`,
 * `dbt_updated_at`, `dbt_valid_from`, `dbt_valid_to` (NULL = current) and, for
 * `hard_deletes: new_record`, `dbt_is_deleted` ('True' / 'False').
 *
 * Every run is ONE transaction: stage the query's rows, refuse NULL or duplicate keys (listing
 * them), add new columns, close changed versions, handle hard deletes, insert new versions.
 * Nothing is half-applied on failure; a rerun without source changes changes nothing. A unique
 * index on the key of current rows makes a duplicate current row impossible (dbt-core #4661).
 * `--full-refresh` does not rebuild a snapshot (as in dbt: its history is not reproducible).
 */
import type { ColumnDef } from '../adapters/warehouse-adapter.js';
import type { ManifestNode } from '../compiler/types.js';
import { withHooks } from '../planner/hooks.js';
import { readModelConfig } from '../planner/model-config.js';
import { grantSteps } from '../planner/physical-design.js';
import { PlanError } from '../planner/plan-error.js';
import { bodyOf, targetOf } from '../planner/plan-table.js';
import { boundedName, ident, identList, qualified, tempRef } from '../planner/sql.js';
import type { NodePlan, PlanOptions, PlanStep, RelationState } from '../planner/types.js';
import { readSnapshotConfig, type SnapshotConfig } from './config.js';
import { batchKeyCheck, changed, cols, keyJoin } from './sql-fragments.js';

/** The meta columns a snapshot adds, in order. */
export const SNAPSHOT_META_COLUMNS = ['dbt_scd_id', 'dbt_updated_at', 'dbt_valid_from', 'dbt_valid_to'] as const;

interface Layout {
  readonly cfg: SnapshotConfig;
  readonly columns: readonly ColumnDef[];
  readonly timeType: string;
  readonly checkCols: readonly string[];
}

function layoutOf(node: ManifestNode, columns: readonly ColumnDef[]): Layout {
  const r = readSnapshotConfig(node.config);
  if (!r.ok) throw new PlanError('config-invalid', node.unique_id, r.problems.map((p) => `config '${p.key}': ${p.message}`).join('; '));
  const cfg = r.value;
  const names = columns.map((c) => c.name);
  const need = [...cfg.uniqueKey, ...(cfg.updatedAt ? [cfg.updatedAt] : []), ...(cfg.checkCols === 'all' ? [] : cfg.checkCols)];
  const bad = need.filter((c) => !names.includes(c));
  if (bad.length) throw new PlanError('config-invalid', node.unique_id, `the snapshot query has no column ${bad.map((b) => `'${b}'`).join(', ')} (it has ${names.join(', ')})`);
  const clash = names.filter((n) => (SNAPSHOT_META_COLUMNS as readonly string[]).includes(n) || n === 'dbt_is_deleted');
  if (clash.length) throw new PlanError('config-invalid', node.unique_id, `the snapshot query already has column(s) ${clash.join(', ')}, which snapshots add`);
  const ua = cfg.updatedAt ? (columns.find((c) => c.name === cfg.updatedAt)?.dataType ?? '') : '';
  const timeType = ua.startsWith('timestamp with time zone') ? 'timestamp with time zone' : 'timestamp without time zone';
  const checkCols = cfg.checkCols === 'all' ? names.filter((n) => !cfg.uniqueKey.includes(n)) : cfg.checkCols;
  return { cfg, columns, timeType, checkCols };
}

/** The snapshot time: dbt's `snapshot_get_time()`. */
function now(l: Layout): string {
  return l.timeType === 'timestamp with time zone' ? 'now()' : 'now()::timestamp without time zone';
}

/** A row's version time: its updated_at (timestamp strategy, or check with updated_at), else now. */
function versionTime(l: Layout, alias: string): string {
  return l.cfg.updatedAt ? `${alias}.${ident(l.cfg.updatedAt)}::${l.timeType}` : now(l);
}

function scdId(l: Layout, alias: string, ts: string): string {
  const parts = l.cfg.uniqueKey.map((k) => `coalesce(${alias}.${ident(k)}::text, '')`);
  return `md5(${[...parts, `coalesce((${ts})::text, '')`].join(` || '|' || `)})`;
}

/** The change condition between a current version `t` and a staged row `s`. */
function changeCondition(l: Layout): string {
  const base =
    l.cfg.strategy === 'timestamp'
      ? `t."dbt_updated_at" < s.${ident(l.cfg.updatedAt!)}::${l.timeType}`
      : l.checkCols.length
        ? changed('t', 's', l.checkCols)
        : 'false';
  return l.cfg.hardDeletes === 'new_record' ? `(${base} or t."dbt_is_deleted" = 'True')` : base;
}

/**
 * @example planSnapshot(node, { existing: table, columns, newColumns }, opts)
 * // begin; create temporary table … as (select …); check batch keys; update … set "dbt_valid_to" = …;
 * //   insert into … select s.…, md5(…), … where not exists (current version); commit;
 */
export function planSnapshot(node: ManifestNode, state: RelationState, opts: PlanOptions): NodePlan {
  const target = targetOf(node);
  const base = { unique_id: node.unique_id, materialization: 'snapshot', relation: target, temporaries: [] };
  if (!state.newColumns) return { ...base, phases: [], needsNewColumns: true };
  if (state.existing && state.existing.kind !== 'table') {
    throw new PlanError('config-invalid', node.unique_id, `${qualified(target)} exists and is a ${state.existing.kind.replace('_', ' ')}, not a snapshot table; drop it or change the snapshot's schema/alias`);
  }
  const l = layoutOf(node, state.newColumns);
  const mc = readModelConfig(node);
  const stage = tempRef(target, opts.runId, '_batch').name;
  const staged = `pg_temp.${ident(stage)}`;
  const T = qualified(target);
  const names = l.columns.map((c) => c.name);
  const withDeleted = l.cfg.hardDeletes === 'new_record';
  const meta = [...SNAPSHOT_META_COLUMNS, ...(withDeleted ? ['dbt_is_deleted'] : [])];
  const ts = versionTime(l, 's');
  const steps: PlanStep[] = [
    { name: 'stage batch', sql: `create temporary table ${ident(stage)} on commit drop as\nselect * from (\n${bodyOf(node)}\n) as q` },
    { name: 'analyze batch', sql: `analyze ${staged}` },
    batchKeyCheck(node.unique_id, staged, l.cfg.uniqueKey, 'unique_key'),
  ];
  const insertVersions = (where: string): PlanStep => ({
    name: 'insert new versions',
    sql:
      `insert into ${T} (${identList([...names, ...meta])})\n` +
      `select ${cols('s', names)}, ${scdId(l, 's', ts)}, ${ts}, ${ts}, null::${l.timeType}${withDeleted ? `, 'False'` : ''}\n` +
      `from ${staged} as s${where}`,
    countsRows: true,
  });

  if (!state.existing) {
    const metaDefs = [`"dbt_scd_id" text`, `"dbt_updated_at" ${l.timeType}`, `"dbt_valid_from" ${l.timeType}`, `"dbt_valid_to" ${l.timeType}`, ...(withDeleted ? [`"dbt_is_deleted" text`] : [])];
    steps.push(
      { name: 'create snapshot table', sql: `create table ${T} (\n  ${[...l.columns.map((c) => `${ident(c.name)} ${c.dataType}`), ...metaDefs].join(',\n  ')}\n)` },
      insertVersions(''),
      currentIndexStep(target, l),
      ...grantSteps(target, mc.grants),
    );
    return { ...base, phases: withHooks([{ transactional: true, steps }], mc.preHooks, mc.postHooks) };
  }

  const have = new Set(state.columns.map((c) => c.name));
  const add = [...l.columns, ...(withDeleted ? [{ name: 'dbt_is_deleted', dataType: 'text' }] : [])].filter((c) => !have.has(c.name));
  if (add.length) steps.push({ name: 'add new columns', sql: `alter table ${T} ${add.map((c) => `add column ${ident(c.name)} ${c.dataType}`).join(', ')}` });
  if (withDeleted && !have.has('dbt_is_deleted')) steps.push({ name: 'mark existing rows', sql: `update ${T} set "dbt_is_deleted" = 'False'` });
  const join = keyJoin('t', 's', l.cfg.uniqueKey);
  steps.push({
    name: 'close changed versions',
    sql: `update ${T} as t\nset "dbt_valid_to" = greatest(${ts}, t."dbt_valid_from")\nfrom ${staged} as s\nwhere ${join} and t."dbt_valid_to" is null and ${changeCondition(l)}`,
    countsRows: true,
  });
  const missing = `t."dbt_valid_to" is null and not exists (select 1 from ${staged} as s where ${join})`;
  if (l.cfg.hardDeletes === 'invalidate') {
    steps.push({ name: 'invalidate deleted rows', sql: `update ${T} as t\nset "dbt_valid_to" = greatest(${now(l)}, t."dbt_valid_from")\nwhere ${missing}`, countsRows: true });
  } else if (withDeleted) {
    steps.push({
      name: 'record deleted rows',
      sql:
        `with closed as (\n  update ${T} as t\n  set "dbt_valid_to" = greatest(${now(l)}, t."dbt_valid_from")\n` +
        `  where ${missing} and t."dbt_is_deleted" is distinct from 'True'\n  returning ${cols('t', [...names, 'dbt_valid_to'])}\n)\n` +
        `insert into ${T} (${identList([...names, ...meta])})\n` +
        `select ${cols('closed', names)}, ${scdId(l, 'closed', 'closed."dbt_valid_to"')}, closed."dbt_valid_to", closed."dbt_valid_to", null, 'True'\nfrom closed`,
      countsRows: true,
    });
  }
  steps.push(insertVersions(`\nwhere not exists (select 1 from ${T} as t where ${join} and t."dbt_valid_to" is null)`));
  steps.push(...grantSteps(target, mc.grants));
  return { ...base, phases: withHooks([{ transactional: true, steps }], mc.preHooks, mc.postHooks) };
}

/** At most one current version per key, enforced by the database. */
function currentIndexStep(target: { schema: string; name: string }, l: Layout): PlanStep {
  return {
    name: 'index current versions',
    sql: `create unique index ${ident(boundedName(target.name, '__current'))} on ${qualified(target)} (${identList(l.cfg.uniqueKey)}) where "dbt_valid_to" is null`,
  };
}
