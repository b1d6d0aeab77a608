-- Ephemeral: line amounts, inlined as a CTE wherever it is used.
{{ config(materialized='ephemeral') }}

select
  order_item_id,
  order_id,
  product_id,
  quantity,
  unit_price_cents
from {{ ref('brz_order_items') }}
