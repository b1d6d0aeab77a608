-- Silver customers: one row per customer (the newest version), typed and cleaned.
-- Nulls: a missing email stays null (unknown, not empty); names are trimmed.
with latest as (
  {{ latest_per_key(ref('brz_customers'), 'customer_id', 'updated_at, _loaded_at') }}
)

select
  customer_id::bigint                         as customer_id,
  {{ clean_text('first_name') }}              as first_name,
  {{ clean_text('last_name') }}               as last_name,
  lower({{ clean_text('email') }})            as email,
  country,
  region,
  city,
  coalesce(segment, 'Unknown')                as segment,
  signup_at::timestamp                        as signup_at,
  updated_at::timestamp                       as updated_at
from latest
