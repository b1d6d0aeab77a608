-- Bronze: raw rows as they arrived, stamped with the load time. Append-only.
{{ config(incremental_strategy='append') }}

select
  src.*,
  current_timestamp as _loaded_at
from {{ ref('raw_order_items') }} as src
{% if is_incremental() %}
where src.order_item_id > (select coalesce(max(order_item_id), 0) from {{ this }})
{% endif %}
