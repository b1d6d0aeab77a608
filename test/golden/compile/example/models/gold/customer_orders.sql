-- Gold: lifetime order figures per customer (the star schema arrives with the gold layer issue).
select
  c.customer_id,
  c.region,
  c.segment,
  count(distinct o.order_id)                     as order_count,
  coalesce(sum(i.amount), 0)                     as lifetime_value,
  min(o.ordered_at)                              as first_order_at,
  max(o.ordered_at)                              as last_order_at
from "postgres"."analytics"."slv_customers" c
left join "postgres"."analytics"."slv_orders" o on o.customer_id = c.customer_id and o.status <> 'cancelled'
left join "postgres"."analytics"."slv_order_items" i on i.order_id = o.order_id
group by 1, 2, 3