/**
 * Small SQL fragments shared by the modeling generators: qualified column lists, null-safe
 * row comparison, key joins, and the batch checks (duplicate / NULL keys) run before any change.
 */
import { ident, literal } from '../planner/sql.js';
import type { PlanStep } from '../planner/types.js';

/**
 * `a."x", a."y"`.
 *
 * @example cols('s', ['id', 'name']) // s."id", s."name"
 */
export function cols(alias: string, names: readonly string[]): string {
  return names.map((n) => `${alias}.${ident(n)}`).join(', ');
}

/**
 * Row comparison that treats NULLs as values: true when any column differs.
 *
 * @example changed('t', 's', ['segment', 'region']) // (t."segment", t."region") is distinct from (s."segment", s."region")
 */
export function changed(a: string, b: string, names: readonly string[]): string {
  if (names.length === 1) return `${a}.${ident(names[0]!)} is distinct from ${b}.${ident(names[0]!)}`;
  return `(${cols(a, names)}) is distinct from (${cols(b, names)})`;
}

/**
 * `t."k1" = s."k1" and t."k2" = s."k2"` (keys are checked to be non-NULL, so `=` is exact and
 * index friendly).
 *
 * @example keyJoin('t', 's', ['customer_id']) // t."customer_id" = s."customer_id"
 */
export function keyJoin(a: string, b: string, keys: readonly string[], bKeys: readonly string[] = keys): string {
  return keys.map((k, i) => `${a}.${ident(k)} = ${b}.${ident(bKeys[i]!)}`).join(' and ');
}

/**
 * Refuses a batch in which a key appears twice or is NULL, listing (up to 20 of) the keys: two
 * rows for one key would otherwise create two current versions.
 *
 * @example batchKeyCheck('snapshot.p.orders_snap', 'pg_temp."s"', ['id'], 'unique_key')
 * // do $strata$ … raise exception 'strata: snapshot.p.orders_snap: 2 unique_key value(s) appear more than once in this batch: (1), (7)' …
 */
export function batchKeyCheck(uniqueId: string, staged: string, keys: readonly string[], what: string): PlanStep {
  const list = keys.map(ident).join(', ');
  const anyNull = keys.map((k) => `${ident(k)} is null`).join(' or ');
  const sql = `do $strata$
declare
  dups text;
  n bigint;
begin
  select count(*) into n from ${staged} where ${anyNull};
  if n > 0 then
    raise exception 'strata: %: % row(s) of this batch have a NULL ${what} (%)', ${literal(uniqueId)}, n, ${literal(keys.join(', '))}
      using hint = 'every row needs its key; filter or coalesce NULL keys in the model';
  end if;
  select count(*), string_agg(k, ', ' order by k) filter (where rn <= 20) into n, dups
  from (select row(${list})::text as k, row_number() over (order by row(${list})::text) as rn
        from ${staged} group by ${list} having count(*) > 1) d;
  if n > 0 then
    raise exception 'strata: %: % ${what} value(s) appear more than once in this batch: %', ${literal(uniqueId)}, n, dups
      using hint = 'the query must return one row per key; deduplicate it (e.g. keep the newest row per key)';
  end if;
end
$strata$`;
  return { name: 'check batch keys', sql };
}
