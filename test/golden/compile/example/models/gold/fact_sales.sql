-- Gold: one row per order line. Strata adds customer_key (the dim_customer version valid when
-- the order was placed) and product_key; unknown customers/products get -1. Incremental by
-- sold_at (orders newer than the newest loaded, plus a 3-day lookback), partitioned by month.


select
  i.order_item_id                              as sale_id,
  o.order_id,
  o.customer_id,
  i.product_id,
  o.ordered_at                                 as sold_at,
  to_char(o.ordered_at, 'YYYYMMDD')::integer   as date_key,
  o.channel,
  o.status,
  i.quantity,
  i.unit_price,
  i.amount
from "postgres"."analytics"."slv_order_items" i
join "postgres"."analytics"."slv_orders" o on o.order_id = i.order_id