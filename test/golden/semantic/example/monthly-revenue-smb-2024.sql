with "g1" as (
  select date_trunc('month', "sales".sold_at)::date as "d0", sum("sales".amount) as "m0"
  from "postgres"."analytics"."fact_sales" as "sales"
  left join "postgres"."analytics"."dim_customer" as "customer" on "sales".customer_key = "customer".customer_key
  where "customer".segment = $1
    and "sales".sold_at >= $2::timestamp
    and "sales".sold_at < ($3::date + 1)
  group by 1
)
select "g1"."d0" as "sales.sold_at.month", "g1"."m0" as "revenue"
from "g1"
order by "sales.sold_at.month" asc nulls last
-- params: ["SMB","2024-01-01","2024-12-31"]
