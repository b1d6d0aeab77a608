/**
 * Small SQL helpers over a Session: server-side cursors (flat memory on any result size) and
 * column-type introspection of any FROM item.
 */
import type { Session } from '../adapters/warehouse-adapter.js';
import { ident } from '../planner/sql.js';

let cursorSeq = 0;

/**
 * Streams a query's rows in batches through a server-side cursor, so Node never holds more than
 * one batch. Must run inside a transaction (`adapter.transaction`). Works on PostgreSQL and PGlite.
 *
 * @example
 * await adapter.transaction((s) => forEachBatch(s, 'select * from big where k = $1', [7], 10000, async (rows) => write(rows)));
 * // declare "strata_cursor_1" no scroll cursor for select * from big where k = $1
 * // fetch 10000 from "strata_cursor_1"   (repeated until fewer rows come back)
 * // close "strata_cursor_1"
 */
export async function forEachBatch<Row = Record<string, unknown>>(
  s: Session,
  sql: string,
  params: readonly unknown[],
  batchSize: number,
  onBatch: (rows: readonly Row[]) => Promise<void> | void,
): Promise<number> {
  const name = ident(`strata_cursor_${++cursorSeq}`);
  // Every row is read: plan for total time, not for the first 10% (the cursor default), which
  // otherwise picks fast-start plans that are many times slower overall.
  await s.query('set local cursor_tuple_fraction = 1.0');
  await s.query(`declare ${name} no scroll cursor for ${sql}`, params);
  let total = 0;
  for (;;) {
    const r = await s.query<Row>(`fetch ${batchSize} from ${name}`);
    if (r.rows.length > 0) await onBatch(r.rows);
    total += r.rows.length;
    if (r.rows.length < batchSize) break;
  }
  await s.query(`close ${name}`);
  return total;
}

/**
 * Column names and types (`format_type`) of a FROM item (relation or `(select …)`), via a
 * temporary view so SQL sources and relations are handled alike.
 *
 * @example await columnTypes(s, '"analytics"."customer_daily"') // { customer_id: 'integer', as_of: 'date', ... }
 */
export async function columnTypes(s: Session, from: string): Promise<Record<string, string>> {
  const view = `strata_cols_${++cursorSeq}`;
  await s.query(`create temporary view ${ident(view)} as select * from ${from} as q`);
  const r = await s.query<{ name: string; type: string }>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
     from pg_attribute a where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`,
    [`pg_temp.${ident(view)}`],
  );
  await s.query(`drop view pg_temp.${ident(view)}`);
  return Object.fromEntries(r.rows.map((x) => [x.name, x.type]));
}
