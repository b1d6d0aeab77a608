with "g1" as (
  select date_trunc('quarter', "sales".sold_at)::date as "d0", "customer".region as "d1", count(distinct "sales".customer_id) as "m0"
  from "postgres"."analytics"."fact_sales" as "sales"
  left join "postgres"."analytics"."dim_customer" as "customer" on "sales".customer_key = "customer".customer_key
  group by 1, 2
)
select "g1"."d0" as "sales.sold_at.quarter", "g1"."d1" as "customer.region", "g1"."m0" as "unique_customers"
from "g1"
order by "sales.sold_at.quarter" asc nulls last, "customer.region" asc nulls last
-- params: []
