-- Silver keeps the newest version of every customer and order (latest_per_key): a row whose
-- updated_at is older than the newest bronze version of its key is a failure.
with newest_customers as (
  select customer_id::bigint as customer_id, max(updated_at::timestamp) as newest
  from "postgres"."analytics"."brz_customers"
  group by 1
),
newest_orders as (
  select order_id::bigint as order_id, max(updated_at::timestamp) as newest
  from "postgres"."analytics"."brz_orders"
  group by 1
)
select 'customer' as kind, c.customer_id as id, c.updated_at, n.newest
from "postgres"."analytics"."slv_customers" c
join newest_customers n using (customer_id)
where c.updated_at <> n.newest
union all
select 'order', o.order_id, o.updated_at, n.newest
from "postgres"."analytics"."slv_orders" o
join newest_orders n using (order_id)
where o.updated_at <> n.newest