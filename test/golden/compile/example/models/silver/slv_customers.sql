-- Silver customers: one row per customer (the newest version), typed and cleaned.
-- Nulls: a missing email stays null (unknown, not empty); names are trimmed.
with latest as (
  select * from (
    select *, row_number() over (partition by customer_id order by updated_at desc nulls last, _loaded_at desc nulls last) as _row_rank
    from "postgres"."analytics"."brz_customers"
  ) ranked
  where _row_rank = 1
)

select
  customer_id::bigint                         as customer_id,
  nullif(trim(first_name), '')              as first_name,
  nullif(trim(last_name), '')               as last_name,
  lower(nullif(trim(email), ''))            as email,
  country,
  region,
  city,
  coalesce(segment, 'Unknown')                as segment,
  signup_at::timestamp                        as signup_at,
  updated_at::timestamp                       as updated_at
from latest