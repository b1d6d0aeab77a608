-- Silver orders: newest version of each order since var('start_date').
{% set valid_statuses = ['placed', 'shipped', 'completed', 'returned', 'cancelled'] %}

with latest as (
  {{ latest_per_key(ref('brz_orders'), 'order_id', 'updated_at, _loaded_at') }}
)

select
  order_id::bigint                  as order_id,
  customer_id::bigint               as customer_id,
  ordered_at::timestamp             as ordered_at,
  case
    {% for s in valid_statuses -%}
    when status = '{{ s }}' then '{{ s }}'
    {% endfor -%}
    else 'unknown'
  end                               as status,
  channel,
  updated_at::timestamp             as updated_at
from latest
where ordered_at::timestamp >= '{{ var("start_date") }}'::timestamp
