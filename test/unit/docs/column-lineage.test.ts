import { beforeAll, describe, expect, it } from 'vitest';
import { columnLineage, type RelationResolver } from '../../../src/docs/column-lineage.js';
import { initSqlParser } from '../../../src/semantic/index.js';

const CATALOG: Record<string, { id: string; columns?: string[] }> = {
  orders: { id: 'model.shop.orders', columns: ['order_id', 'customer_id', 'amount', 'status'] },
  customers: { id: 'model.shop.customers', columns: ['customer_id', 'name', 'region'] },
  events: { id: 'source.shop.raw.events' },
};
const resolve: RelationResolver = ({ name }) => CATALOG[name];
const lin = (sql: string) => {
  const r = columnLineage(sql, resolve);
  expect(r.error).toBeUndefined();
  return Object.fromEntries(r.columns.map((c) => [c.column, { from: c.sources.map((s) => `${s.node.split('.').pop()}.${s.column}`), status: c.status, direct: c.direct }]));
};

describe('column lineage', () => {
  beforeAll(async () => {
    await initSqlParser();
  });

  it('follows aliases and expressions through a join', () => {
    expect(
      lin(`select o.order_id, c.name as customer_name, o.amount * 2 as double_amount, upper(c.region) as region, now() as loaded_at
           from "db"."s"."orders" o join "db"."s"."customers" c on c.customer_id = o.customer_id`),
    ).toEqual({
      order_id: { from: ['orders.order_id'], status: 'resolved', direct: true },
      customer_name: { from: ['customers.name'], status: 'resolved', direct: true },
      double_amount: { from: ['orders.amount'], status: 'resolved', direct: false },
      region: { from: ['customers.region'], status: 'resolved', direct: false },
      loaded_at: { from: [], status: 'resolved', direct: false },
    });
  });

  it('traces through CTEs, subqueries and select * expanded from the catalog', () => {
    expect(
      lin(`with o as (select *, amount / 100.0 as dollars from orders), agg as (select customer_id, sum(dollars) as total from o group by 1)
           select a.customer_id, a.total, x.name from agg a join (select customer_id, name from customers) x using (customer_id)`),
    ).toEqual({
      customer_id: { from: ['orders.customer_id'], status: 'resolved', direct: true },
      total: { from: ['orders.amount'], status: 'resolved', direct: false },
      name: { from: ['customers.name'], status: 'resolved', direct: true },
    });
  });

  it('expands select * of a CTE and unions branch by branch', () => {
    const r = lin(`with a as (select order_id, amount from orders) select * from a union all select customer_id, 0 from customers`);
    expect(r).toEqual({
      order_id: { from: ['orders.order_id', 'customers.customer_id'], status: 'resolved', direct: true },
      amount: { from: ['orders.amount'], status: 'resolved', direct: false },
    });
  });

  it('marks ambiguous and unknown references instead of guessing', () => {
    const r = columnLineage('select customer_id, ghost from orders o join customers c on true', resolve).columns;
    expect(r[0]).toMatchObject({ column: 'customer_id', status: 'unresolved' });
    expect(r[0]!.reason).toContain("'customer_id' could come from o or c");
    expect(r[1]).toMatchObject({ column: 'ghost', status: 'unresolved' });
    // A relation with unknown columns: a qualified column is still attributed to it.
    expect(lin('select e.page from events e')).toEqual({ page: { from: ['events.page'], status: 'resolved', direct: true } });
    // `*` over it cannot be expanded: the whole query is marked, not guessed.
    expect(columnLineage('select * from events', resolve).error).toContain('cannot be determined');
  });

  it('JOIN ... USING merges the key into the left side', () => {
    expect(lin('select customer_id, name from orders join customers using (customer_id)')).toEqual({
      customer_id: { from: ['orders.customer_id'], status: 'resolved', direct: true },
      name: { from: ['customers.name'], status: 'resolved', direct: true },
    });
  });

  it('scalar subqueries contribute their column', () => {
    expect(lin('select o.order_id, (select max(c.region) from customers c where c.customer_id = o.customer_id) as region from orders o')).toEqual({
      order_id: { from: ['orders.order_id'], status: 'resolved', direct: true },
      region: { from: ['customers.region'], status: 'resolved', direct: false },
    });
  });
});
