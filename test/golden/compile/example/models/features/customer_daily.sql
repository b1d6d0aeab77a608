-- Feature table: one row per customer per day they ordered, as of the START of the next day
-- (as_of = order day + 1), so a training row at time t only sees days that had ended by t.
-- Incremental by event time: later runs restate the last 90 days (the widest window below).


with lines as (
  select o.customer_id, o.ordered_at::date as order_day, o.order_id, i.amount, p.category
  from "postgres"."analytics"."slv_orders" o
  join "postgres"."analytics"."slv_order_items" i on i.order_id = o.order_id
  left join "postgres"."analytics"."slv_products" p on p.product_id = i.product_id
  where o.status <> 'cancelled'
),

days as (
  select customer_id, order_day, count(distinct order_id) as orders, sum(amount) as amount
  from lines
  group by customer_id, order_day
),

windowed as (
  select
    customer_id,
    order_day,
    (order_day + 1) as as_of,
    sum(orders) over w30 as purchase_count_30d,
    sum(amount) over w90 / nullif(sum(orders) over w90, 0) as avg_order_value_90d,
    order_day - lag(order_day) over (partition by customer_id order by order_day) as days_since_last_purchase
  from days
  window
    w30 as (partition by customer_id order by order_day range between interval '29 days' preceding and current row),
    w90 as (partition by customer_id order by order_day range between interval '89 days' preceding and current row)
),

category_days as (
  select customer_id, order_day, category, sum(amount) as amount
  from lines
  where category is not null
  group by customer_id, order_day, category
),

-- The category with the most spend in the 90 days up to each order day (ties: alphabetical).
preferred as (
  select distinct on (d.customer_id, d.order_day) d.customer_id, d.order_day, c.category
  from days d
  join category_days c
    on c.customer_id = d.customer_id and c.order_day > d.order_day - 90 and c.order_day <= d.order_day
  group by d.customer_id, d.order_day, c.category
  order by d.customer_id, d.order_day, sum(c.amount) desc, c.category
)

select
  w.customer_id,
  w.as_of,
  w.purchase_count_30d::bigint as purchase_count_30d,
  round(w.avg_order_value_90d, 2)::float8 as avg_order_value_90d,
  w.days_since_last_purchase::int as days_since_last_purchase,
  p.category as preferred_category
from windowed w
left join preferred p on p.customer_id = w.customer_id and p.order_day = w.order_day