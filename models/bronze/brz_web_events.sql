-- Bronze: raw rows as they arrived, stamped with the load time. Append-only.
{{ config(incremental_strategy='append') }}

select
  src.*,
  current_timestamp as _loaded_at
from {{ ref('raw_web_events') }} as src
{% if is_incremental() %}
where src.occurred_at > (select coalesce(max(occurred_at), '-infinity') from {{ this }})
{% endif %}
