-- Ephemeral: line amounts, inlined as a CTE wherever it is used.


select
  order_item_id,
  order_id,
  product_id,
  quantity,
  unit_price_cents
from "postgres"."analytics"."brz_order_items"