-- Bronze: raw rows as they arrived, stamped with the load time. Append-only.
{{ config(incremental_strategy='append') }}

select
  src.*,
  current_timestamp as _loaded_at
from {{ ref('raw_products') }} as src
{% if is_incremental() %}
where src.launched_at > (select coalesce(max(launched_at), '-infinity') from {{ this }})
{% endif %}
