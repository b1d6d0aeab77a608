with "g1_grain" as (
  select date_trunc('day', "sales".sold_at)::date as "d0", sum("sales".amount) as "m0"
  from "gold"."fact_sales" as "sales"
  group by 1
),
"g1" as (
  select * from (select "d0", sum("m0") over (order by "d0" range between interval '7 days' - interval '1 microsecond' preceding and current row) as "m0" from "g1_grain") as "w"
)
select "g1"."d0" as "sales.sold_at.day", "g1"."m0" as "revenue_7d"
from "g1"
order by "sales.sold_at.day" asc nulls last
-- params: []
