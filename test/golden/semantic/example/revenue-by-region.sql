with "g1" as (
  select "customer".region as "d0", sum("sales".amount) as "m0", count(distinct "sales".order_id) as "m1"
  from "postgres"."analytics"."fact_sales" as "sales"
  left join "postgres"."analytics"."dim_customer" as "customer" on "sales".customer_key = "customer".customer_key
  group by 1
)
select "g1"."d0" as "customer.region", "g1"."m0" as "revenue", "g1"."m1" as "orders", cast("g1"."m0" as double precision) / nullif("g1"."m1", 0) as "avg_order_value"
from "g1"
order by "customer.region" asc nulls last
-- params: []
