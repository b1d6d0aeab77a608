-- Silver products: typed, prices in dollars; a missing launch date stays null.
select
  product_id::bigint                          as product_id,
  nullif(trim(product_name), '')            as product_name,
  category,
  round((price_cents)::numeric / 100, 2)       as price,
  launched_at::timestamp                      as launched_at
from (select * from (
    select *, row_number() over (partition by product_id order by _loaded_at desc nulls last) as _row_rank
    from "postgres"."analytics"."brz_products"
  ) ranked
  where _row_rank = 1) p