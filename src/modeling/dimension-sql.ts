/**
 * SQL of the `dimension` materialization (SCD type 1, 2, 3). Every statement is set-based and
 * touches only the keys in the staged batch, through the natural-key indexes, so applying a
 * batch costs time proportional to the batch, not the table.
 *
 * Table layout (`surrogate_key` first, then the query's columns, then the SCD columns):
 * - type 1: `<sk>, <columns>`
 * - type 2: `<sk>, <columns>, valid_from, valid_to (null = current), is_current`
 * - type 3: `<sk>, <columns>, previous_<tracked column>…`
 * Row `<sk> = -1` is the unknown member (text columns 'Unknown', others NULL) for late-arriving facts.
 */
import type { ColumnDef, RelationRef } from '../adapters/warehouse-adapter.js';
import { boundedName, ident, identList, qualified } from '../planner/sql.js';
import type { PlanStep } from '../planner/types.js';
import type { DimensionConfig } from './config.js';
import { changed, cols, keyJoin } from './sql-fragments.js';

/** Start of validity of a key's first version: facts older than the first load still find it. */
export const BEGINNING_OF_TIME = '1900-01-01';

/** Everything the generators need about one dimension. */
export interface DimensionLayout {
  readonly uniqueId: string;
  readonly cfg: DimensionConfig;
  /** The query's columns, in order. */
  readonly columns: readonly ColumnDef[];
}

/** Names derived from the config: non-key, tracked and overwritten (type 1) columns. */
export interface DimensionColumns {
  readonly all: readonly string[];
  readonly nonKey: readonly string[];
  readonly tracked: readonly string[];
  readonly untracked: readonly string[];
  /** Type of valid_from / valid_to. */
  readonly timeType: string;
}

/**
 * Splits the query's columns by role.
 *
 * @example dimensionColumns(layout) // { nonKey: ['name', 'segment', 'updated_at'], tracked: ['segment'], untracked: ['name', 'updated_at'], … }
 */
export function dimensionColumns(l: DimensionLayout): DimensionColumns {
  const all = l.columns.map((c) => c.name);
  const nonKey = all.filter((c) => !l.cfg.naturalKey.includes(c));
  const tracked = l.cfg.scdType === 1 ? [] : (l.cfg.trackedColumns ?? nonKey.filter((c) => c !== l.cfg.updatedAt));
  const untracked = nonKey.filter((c) => !tracked.includes(c));
  const ua = l.columns.find((c) => c.name === l.cfg.updatedAt)?.dataType ?? '';
  const timeType = ua.startsWith('timestamp with time zone') ? 'timestamp with time zone' : 'timestamp without time zone';
  return { all, nonKey, tracked, untracked, timeType };
}

/** The SCD columns a layout adds, with their types. */
export function scdColumns(l: DimensionLayout): ColumnDef[] {
  const c = dimensionColumns(l);
  if (l.cfg.scdType === 2) {
    return [
      { name: 'valid_from', dataType: c.timeType },
      { name: 'valid_to', dataType: c.timeType },
      { name: 'is_current', dataType: 'boolean' },
    ];
  }
  if (l.cfg.scdType === 3) {
    return c.tracked.map((t) => ({ name: `previous_${t}`, dataType: l.columns.find((x) => x.name === t)?.dataType ?? 'text' }));
  }
  return [];
}

/**
 * `create table` with the dimension's full layout.
 *
 * @example createDimensionTableSql(tmp, layout)
 * // create table "gold"."dim_customer__strata_tmp_…" ("customer_key" bigint not null, "customer_id" bigint, …,
 * //   "valid_from" timestamp without time zone not null, "valid_to" timestamp without time zone, "is_current" boolean not null)
 */
export function createDimensionTableSql(rel: RelationRef, l: DimensionLayout): string {
  const defs = [
    `${ident(l.cfg.surrogateKey)} bigint not null`,
    ...l.columns.map((c) => `${ident(c.name)} ${c.dataType}`),
    ...scdColumns(l).map((c) => `${ident(c.name)} ${c.dataType}${c.name === 'valid_from' || c.name === 'is_current' ? ' not null' : ''}`),
  ];
  return `create table ${qualified(rel)} (\n  ${defs.join(',\n  ')}\n)`;
}

const TEXT_TYPE = /^(text|character varying|varchar|character|char)\b/;

/**
 * The unknown member: key -1, text columns 'Unknown', everything else NULL (current from the
 * beginning of time for type 2).
 *
 * @example unknownMemberSql(rel, layout)
 * // insert into "gold"."dim_customer" ("customer_key", "customer_id", "segment", "valid_from", "valid_to", "is_current")
 * // values (-1, null, 'Unknown', '1900-01-01', null, true)
 */
export function unknownMemberSql(rel: RelationRef, l: DimensionLayout): string {
  const names = [l.cfg.surrogateKey, ...l.columns.map((c) => c.name)];
  const values = ['-1', ...l.columns.map((c) => (TEXT_TYPE.test(c.dataType) && !l.cfg.naturalKey.includes(c.name) ? `'Unknown'` : 'null'))];
  if (l.cfg.scdType === 2) {
    names.push('valid_from', 'valid_to', 'is_current');
    values.push(`'${BEGINNING_OF_TIME}'`, 'null', 'true');
  }
  return `insert into ${qualified(rel)} (${identList(names)})\nvalues (${values.join(', ')})`;
}

/**
 * Index steps on the dimension: unique surrogate key, natural key (unique among current rows
 * for type 2: two current versions of one key cannot exist), and `updated_at` when configured
 * (it bounds the next batch).
 *
 * @example dimensionIndexSteps(rel, layout)
 * // create unique index "dim_customer__sk" on … ("customer_key"); create index "dim_customer__nk" on … ("customer_id");
 * // create unique index "dim_customer__current" on … ("customer_id") where "is_current"
 */
export function dimensionIndexSteps(rel: RelationRef, l: DimensionLayout): PlanStep[] {
  const on = qualified(rel);
  const nk = identList(l.cfg.naturalKey);
  const name = (suffix: string): string => ident(boundedName(rel.name, suffix));
  const steps: PlanStep[] = [{ name: 'index surrogate key', sql: `create unique index ${name('__sk')} on ${on} (${ident(l.cfg.surrogateKey)})` }];
  if (l.cfg.scdType === 2) {
    steps.push(
      { name: 'index natural key', sql: `create index ${name('__nk')} on ${on} (${nk})` },
      { name: 'index current rows', sql: `create unique index ${name('__current')} on ${on} (${nk}) where "is_current"` },
    );
  } else {
    steps.push({ name: 'index natural key', sql: `create unique index ${name('__nk')} on ${on} (${nk})` });
  }
  if (l.cfg.updatedAt) steps.push({ name: 'index updated_at', sql: `create index ${name('__updated_at')} on ${on} (${ident(l.cfg.updatedAt)})` });
  return steps;
}

/**
 * The change time of a staged row: its `updated_at`, else the run's transaction time (`now`,
 * by default the time function itself).
 */
function changeTime(l: DimensionLayout, alias: string, now = nowExpr(l)): string {
  if (!l.cfg.updatedAt) return now;
  return `coalesce(${alias}.${ident(l.cfg.updatedAt)}::${dimensionColumns(l).timeType}, ${now})`;
}

function nowExpr(l: DimensionLayout): string {
  return dimensionColumns(l).timeType === 'timestamp with time zone' ? 'now()' : 'localtimestamp';
}

/** `new keys`: `(max existing key) + row_number()` in natural-key order. */
function nextKeys(rel: RelationRef, l: DimensionLayout): string {
  return `(select greatest(max(${ident(l.cfg.surrogateKey)}), 0) from ${qualified(rel)}) + row_number() over (order by ${cols('s', l.cfg.naturalKey)})`;
}

/**
 * The statements applying a staged batch to the dimension `rel`, in order, for the layout's
 * SCD type. They only touch rows whose natural key is in the batch (plus, for type 2 with
 * `hard_deletes: invalidate`, current rows whose key is missing from the batch).
 *
 * @example applyDimensionSteps(rel, 'dim_customer__strata_tmp_ab12cd34_batch', layout) // type 2, tracked [segment]
 * // update … set "name" = s."name" from pg_temp."…_batch" as s where t."customer_id" = s."customer_id" and t."name" is distinct from s."name";
 * // update … set "valid_to" = greatest(…, t."valid_from"), "is_current" = false from … where … and t."is_current" and t."segment" is distinct from s."segment";
 * // create temporary table "…_new" on commit drop as select s.…, <valid_from> from pg_temp."…_batch" as s left join (<last valid_to per batch key>) h …
 * //   where not exists (select 1 from … as t where t."customer_id" = s."customer_id" and t."is_current");
 * // insert into … select (select greatest(max("customer_key"), 0) from …) + row_number() over (order by s."customer_id"), s.…, s."valid_from", null, true from pg_temp."…_new" as s
 */
export function applyDimensionSteps(rel: RelationRef, stage: string, l: DimensionLayout): PlanStep[] {
  const staged = `pg_temp.${ident(stage)}`;
  const c = dimensionColumns(l);
  const R = qualified(rel);
  const nk = l.cfg.naturalKey;
  const join = keyJoin('t', 's', nk);
  const set = (names: readonly string[]): string => names.map((n) => `${ident(n)} = s.${ident(n)}`).join(', ');
  const steps: PlanStep[] = [];
  // New rows are collected first, then inserted: an INSERT … SELECT reading the table it
  // writes could rescan its own growing heap (quadratic on a first build).
  const fresh = `pg_temp.${ident(`${stage}_new`)}`;
  const insertNew = (scd2: boolean): PlanStep[] => {
    // A key's first version is valid from the beginning of time; a later one from its change
    // time, never before the end of the version it follows.
    const validFrom = scd2
      ? `, case when h."last_valid_to" is null then '${BEGINNING_OF_TIME}'::${c.timeType} else greatest(${changeTime(l, 's')}, h."last_valid_to") end as "valid_from"`
      : '';
    // Keys collected here have no current version: any history is closed, so max(valid_to) is
    // NULL exactly when the key is new. A lateral index probe per batch row (not a join over an
    // aggregate) keeps this proportional to the batch.
    const history = scd2
      ? `\nleft join lateral (select max(h."valid_to") as "last_valid_to" from ${R} as h where ${keyJoin('h', 's', nk)}) as h on true`
      : '';
    return [
      {
        name: 'collect new rows',
        sql:
          `create temporary table ${ident(`${stage}_new`)} on commit drop as\nselect ${cols('s', c.all)}${validFrom}\nfrom ${staged} as s${history}\n` +
          `where not exists (select 1 from ${R} as t where ${join}${scd2 ? ' and t."is_current"' : ''})`,
      },
      {
        name: 'insert new rows',
        sql:
          `insert into ${R} (${identList([l.cfg.surrogateKey, ...c.all, ...(scd2 ? ['valid_from', 'valid_to', 'is_current'] : [])])})\n` +
          `select ${nextKeys(rel, l)}, ${cols('s', c.all)}${scd2 ? ', s."valid_from", null, true' : ''}\nfrom ${fresh} as s`,
        countsRows: true,
      },
    ];
  };

  if (l.cfg.scdType === 1) {
    if (c.nonKey.length) {
      steps.push({ name: 'update changed rows', sql: `update ${R} as t\nset ${set(c.nonKey)}\nfrom ${staged} as s\nwhere ${join} and ${changed('t', 's', c.nonKey)}`, countsRows: true });
    }
    steps.push(...insertNew(false));
    return steps;
  }

  if (l.cfg.scdType === 3) {
    if (c.nonKey.length) {
      const assignments = [
        ...c.tracked.map((n) => `${ident(`previous_${n}`)} = case when t.${ident(n)} is distinct from s.${ident(n)} then t.${ident(n)} else t.${ident(`previous_${n}`)} end`),
        ...c.nonKey.map((n) => `${ident(n)} = s.${ident(n)}`),
      ];
      steps.push({ name: 'update changed rows', sql: `update ${R} as t\nset ${assignments.join(',\n    ')}\nfrom ${staged} as s\nwhere ${join} and ${changed('t', 's', c.nonKey)}`, countsRows: true });
    }
    steps.push(...insertNew(false));
    return steps;
  }

  // Type 2. The transaction time comes from a one-row subquery: Citus refuses a time function
  // inside COALESCE in an UPDATE of a table it manages (PostgreSQL flattens the subquery away).
  const ts = l.cfg.updatedAt ? changeTime(l, 's', 'clock."now"') : nowExpr(l);
  const clock = l.cfg.updatedAt ? `, (select ${nowExpr(l)} as "now") as clock` : '';
  if (c.untracked.length) {
    steps.push({
      name: 'overwrite untracked columns',
      sql: `update ${R} as t\nset ${set(c.untracked)}\nfrom ${staged} as s\nwhere ${join} and ${changed('t', 's', c.untracked)}`,
    });
  }
  if (c.tracked.length) {
    steps.push({
      name: 'close changed versions',
      sql:
        `update ${R} as t\nset "valid_to" = greatest(${ts}, t."valid_from"), "is_current" = false\n` +
        `from ${staged} as s${clock}\nwhere ${join} and t."is_current" and ${changed('t', 's', c.tracked)}`,
      countsRows: true,
    });
  }
  if (l.cfg.hardDeletes === 'invalidate') {
    steps.push({
      name: 'close deleted keys',
      sql:
        `update ${R} as t\nset "valid_to" = greatest(${nowExpr(l)}, t."valid_from"), "is_current" = false\n` +
        `where t."is_current" and t.${ident(l.cfg.surrogateKey)} <> -1\n` +
        `  and not exists (select 1 from ${staged} as s where ${join})`,
      countsRows: true,
    });
  }
  steps.push(...insertNew(true));
  return steps;
}
