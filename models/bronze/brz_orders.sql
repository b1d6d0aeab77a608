-- Bronze: raw rows as they arrived, stamped with the load time. Append-only.
{{ config(incremental_strategy='append') }}

select
  src.*,
  current_timestamp as _loaded_at
from {{ ref('raw_orders') }} as src
{% if is_incremental() %}
where src.updated_at > (select coalesce(max(updated_at), '-infinity') from {{ this }})
{% endif %}
