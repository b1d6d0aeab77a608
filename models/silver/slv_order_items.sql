-- Silver order lines: a missing unit price falls back to the product's list price.
select
  i.order_item_id::bigint                                            as order_item_id,
  i.order_id::bigint                                                 as order_id,
  i.product_id::bigint                                               as product_id,
  i.quantity::int                                                    as quantity,
  coalesce({{ cents_to_dollars('i.unit_price_cents') }}, p.price)    as unit_price,
  i.quantity * coalesce({{ cents_to_dollars('i.unit_price_cents') }}, p.price) as amount
from {{ ref('int_order_item_amounts') }} i
left join {{ ref('slv_products') }} p on p.product_id = i.product_id::bigint
