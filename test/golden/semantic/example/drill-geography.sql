with "g1" as (
  select "customer".country as "d0", sum("sales".amount) as "m0"
  from "postgres"."analytics"."fact_sales" as "sales"
  left join "postgres"."analytics"."dim_customer" as "customer" on "sales".customer_key = "customer".customer_key
  where "customer".region = $1
  group by 1
)
select "g1"."d0" as "customer.country", "g1"."m0" as "revenue"
from "g1"
order by "customer.country" asc nulls last
-- params: ["EMEA"]
