import type { FilterOp } from './query.js';
import { QueryError } from './query.js';
import type { Granularity } from './types.js';

/** Collects bound parameters; `bind` returns the `$n` placeholder for a value. */
export class Params {
  readonly values: unknown[] = [];
  bind(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

export function q(id: string): string {
  return `"${id.replace(/"/g, '""')}"`;
}

/** The model's expression template with `{self}` and `{model}` tokens replaced by aliases. */
export function inScope(template: string, self: string): string {
  return template.replace(/\{self\}/g, q(self)).replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, n: string) => q(n));
}

/**
 * A time expression truncated to a granularity, as a date (what BI tools group by). With `tz`
 * (a bound parameter placeholder holding an IANA zone name) the expression is first read as
 * wall-clock time in that zone (`localTime`), also without a granularity.
 */
export function truncate(expr: string, grain: Granularity | undefined, tz?: string): string {
  const t = tz ? localTime(expr, tz) : expr;
  if (!grain) return t;
  return `date_trunc('${grain}', ${t})::date`;
}

/**
 * A time expression as wall-clock time (`timestamp`) in the zone `tz` (a placeholder such as
 * `$3`), whatever the column's type: a `timestamptz` is converted to the zone; a `timestamp`
 * (without time zone) holds UTC, so it is read as UTC and converted; a `date` is a calendar day
 * and stays that day (midnight), never shifted. The type is only known to the database, so the
 * choice is made there (`pg_typeof`); each branch casts explicitly and is valid for any type.
 *
 * @example localTime('"sales".sold_at', '$1')
 * // (case pg_typeof("sales".sold_at) when 'timestamp with time zone'::regtype then timezone($1::text, ("sales".sold_at)::timestamptz) …)
 */
export function localTime(expr: string, tz: string): string {
  return (
    `(case pg_typeof(${expr})` +
    ` when 'timestamp with time zone'::regtype then timezone(${tz}::text, (${expr})::timestamptz)` +
    ` when 'date'::regtype then (${expr})::timestamp` +
    ` else timezone(${tz}::text, timezone('UTC', (${expr})::timestamp)) end)`
  );
}

/** Values for time members: `2024` means the year 2024, otherwise a date or timestamp string. */
function timeValue(v: unknown): unknown {
  if (typeof v === 'number' || (typeof v === 'string' && /^\d{4}$/.test(v))) return `${v}-01-01`;
  return v;
}

/**
 * One filter as SQL with bound values. For time members with a granularity, values are
 * truncated the same way as the member.
 *
 * @example filterSql('"customer"."region"', 'in', ['EMEA', 'APAC'], p) // "customer"."region" in ($1, $2)
 */
export function filterSql(
  expr: string,
  op: FilterOp,
  values: readonly unknown[],
  p: Params,
  member: string,
  grain?: Granularity,
  numeric = false,
): string {
  const need = (n: number | 'some'): void => {
    if (n === 'some' ? values.length === 0 : values.length !== n) {
      throw new QueryError('query-invalid', `filter on '${member}' with '${op}' needs ${n === 'some' ? 'at least one value' : `${n} value${n === 1 ? '' : 's'}`}, got ${values.length}`);
    }
  };
  // Numbers are compared as numeric: an integer column must not make PostgreSQL parse 1.5 as an int.
  const val = (v: unknown): string =>
    grain ? `date_trunc('${grain}', ${p.bind(timeValue(v))}::timestamp)::date` : numeric ? `${p.bind(v)}::numeric` : p.bind(v);
  switch (op) {
    case 'equals':
      need(1);
      return `${expr} = ${val(values[0])}`;
    case 'not_equals':
      need(1);
      return `${expr} is distinct from ${val(values[0])}`;
    case 'in':
      need('some');
      return `${expr} in (${values.map(val).join(', ')})`;
    case 'not_in':
      need('some');
      return `(${expr} is null or ${expr} not in (${values.map(val).join(', ')}))`;
    case 'gt':
      need(1);
      return `${expr} > ${val(values[0])}`;
    case 'gte':
      need(1);
      return `${expr} >= ${val(values[0])}`;
    case 'lt':
      need(1);
      return `${expr} < ${val(values[0])}`;
    case 'lte':
      need(1);
      return `${expr} <= ${val(values[0])}`;
    case 'between':
      need(2);
      return `${expr} between ${val(values[0])} and ${val(values[1])}`;
    case 'contains': {
      need(1);
      const esc = String(values[0]).replace(/[\\%_]/g, (c) => `\\${c}`);
      return `${expr}::text ilike ${p.bind(`%${esc}%`)}`;
    }
    case 'is_null':
      return `${expr} is null`;
    case 'not_null':
      return `${expr} is not null`;
  }
}
