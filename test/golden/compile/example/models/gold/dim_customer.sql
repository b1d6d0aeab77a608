-- Gold: customer dimension, SCD type 2 on segment and region (a change opens a new version;
-- other attributes are overwritten in place). customer_key = -1 is the unknown member.


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
from "postgres"."analytics"."slv_customers"