-- Silver orders: newest version of each order since var('start_date').


with latest as (
  select * from (
    select *, row_number() over (partition by order_id order by updated_at desc nulls last, _loaded_at desc nulls last) as _row_rank
    from "postgres"."analytics"."brz_orders"
  ) ranked
  where _row_rank = 1
)

select
  order_id::bigint                  as order_id,
  customer_id::bigint               as customer_id,
  ordered_at::timestamp             as ordered_at,
  case
    when status = 'placed' then 'placed'
    when status = 'shipped' then 'shipped'
    when status = 'completed' then 'completed'
    when status = 'returned' then 'returned'
    when status = 'cancelled' then 'cancelled'
    else 'unknown'
  end                               as status,
  channel,
  updated_at::timestamp             as updated_at
from latest
where ordered_at::timestamp >= '2023-01-01'::timestamp