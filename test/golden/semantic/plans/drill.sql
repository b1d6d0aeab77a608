with "g1" as (
  select date_trunc('quarter', "sales".sold_at)::date as "d0", sum("sales".amount) as "m0"
  from "gold"."fact_sales" as "sales"
  where date_trunc('year', "sales".sold_at)::date = date_trunc('year', $1::timestamp)::date
  group by 1
)
select "g1"."d0" as "sales.sold_at.quarter", "g1"."m0" as "revenue"
from "g1"
order by "sales.sold_at.quarter" asc nulls last
-- params: ["2024-01-01"]
