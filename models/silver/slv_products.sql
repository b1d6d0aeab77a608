-- Silver products: typed, prices in dollars; a missing launch date stays null.
select
  product_id::bigint                          as product_id,
  {{ clean_text('product_name') }}            as product_name,
  category,
  {{ cents_to_dollars('price_cents') }}       as price,
  launched_at::timestamp                      as launched_at
from ({{ latest_per_key(ref('brz_products'), 'product_id', '_loaded_at') }}) p
