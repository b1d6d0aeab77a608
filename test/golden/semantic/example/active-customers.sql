with "g1" as (
  select "activity".region as "d0", count(*) as "m0"
  from "postgres"."analytics"."customer_orders" as "activity"
  where ("activity".last_order_at >= current_date - interval '90 days')
  group by 1
)
select "g1"."d0" as "activity.region", "g1"."m0" as "active_customers"
from "g1"
order by "activity.region" asc nulls last
-- params: []
