with "g1" as (
  select "customer".region as "d0", sum("sales".amount) as "m0"
  from "gold"."fact_sales" as "sales"
  left join "gold"."dim_customer" as "customer" on "sales".customer_key = "customer".customer_key
  group by 1
)
select "g1"."d0" as "customer.region", "g1"."m0" as "revenue"
from "g1"
order by "customer.region" asc nulls last
-- params: []
