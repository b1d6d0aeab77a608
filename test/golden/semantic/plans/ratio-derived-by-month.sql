with "g1" as (
  select date_trunc('month', "sales".sold_at)::date as "d0", sum("sales".amount) as "m0", count(distinct "sales".order_id) as "m1", count(distinct "sales".customer_key) as "m2"
  from "gold"."fact_sales" as "sales"
  group by 1
)
select "g1"."d0" as "sales.sold_at.month", cast("g1"."m0" as double precision) / nullif("g1"."m1", 0) as "avg_order_value", (("g1"."m0") / nullif(("g1"."m2"), 0)) as "revenue_per_customer"
from "g1"
order by "sales.sold_at.month" asc nulls last
-- params: []
