-- Gold: customer dimension, SCD type 2 on segment and region (a change opens a new version;
-- other attributes are overwritten in place). customer_key = -1 is the unknown member.
{{ config(
    materialized='dimension',
    scd_type=2,
    natural_key='customer_id',
    tracked_columns=['segment', 'region'],
    updated_at='updated_at',
    surrogate_key='customer_key',
    reference=true
) }}

select
  customer_id,
  first_name,
  last_name,
  email,
  country,
  region,
  city,
  segment,
  signup_at,
  updated_at
from {{ ref('slv_customers') }}
