with __dbt__cte__int_order_item_amounts as (
-- Ephemeral: line amounts, inlined as a CTE wherever it is used.


select
  order_item_id,
  order_id,
  product_id,
  quantity,
  unit_price_cents
from "postgres"."analytics"."brz_order_items"
)-- Silver order lines: a missing unit price falls back to the product's list price.
select
  i.order_item_id::bigint                                            as order_item_id,
  i.order_id::bigint                                                 as order_id,
  i.product_id::bigint                                               as product_id,
  i.quantity::int                                                    as quantity,
  coalesce(round((i.unit_price_cents)::numeric / 100, 2), p.price)    as unit_price,
  i.quantity * coalesce(round((i.unit_price_cents)::numeric / 100, 2), p.price) as amount
from __dbt__cte__int_order_item_amounts i
left join "postgres"."analytics"."slv_products" p on p.product_id = i.product_id::bigint