/**
 * SQL of the `fact` materialization: the model's rows plus one surrogate key per configured
 * dimension, looked up point-in-time. For a type 2 dimension the key is that of the version
 * valid at the fact's own timestamp (`valid_from <= at < valid_to`, `valid_to` NULL = open);
 * types 1 and 3 have one row per key. No match (late-arriving or unknown member) → -1.
 */
import { ident, qualified } from '../planner/sql.js';
import type { FactDimension } from './config.js';

/**
 * The fact query: `select q.*, <keys> from (<model sql>) q left join <dims>`.
 *
 * @example factSql('select sale_id, customer_id, sold_at from s', [{ ref: 'dim_customer', naturalKey: ['customer_id'], at: 'sold_at', keyColumn: 'customer_key', dimension: {…scd_type: 2} }])
 * // select q.*, coalesce(d1."customer_key", -1) as "customer_key"
 * // from (
 * // select sale_id, customer_id, sold_at from s
 * // ) as q
 * // left join "gold"."dim_customer" as d1 on d1."customer_id" = q."customer_id"
 * //   and d1."valid_from" <= q."sold_at" and (d1."valid_to" is null or q."sold_at" < d1."valid_to")
 */
export function factSql(body: string, dims: readonly FactDimension[]): string {
  const keys = dims.map((d, i) => `coalesce(d${i + 1}.${ident(d.dimension.surrogate_key)}, -1) as ${ident(d.keyColumn)}`);
  const joins = dims.map((d, i) => {
    const a = `d${i + 1}`;
    const on = d.dimension.natural_key.map((k, j) => `${a}.${ident(k)} = q.${ident(d.naturalKey[j]!)}`).join(' and ');
    let when = '';
    if (d.dimension.scd_type === 2) {
      when = d.at
        ? `\n  and ${a}."valid_from" <= q.${ident(d.at)} and (${a}."valid_to" is null or q.${ident(d.at)} < ${a}."valid_to")`
        : ` and ${a}."is_current"`;
    }
    return `left join ${qualified({ schema: d.dimension.schema, name: d.dimension.alias })} as ${a} on ${on}${when}`;
  });
  return `select q.*${keys.length ? `, ${keys.join(', ')}` : ''}\nfrom (\n${body}\n) as q${joins.length ? `\n${joins.join('\n')}` : ''}`;
}
