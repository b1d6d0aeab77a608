with "g1_grain" as (
  select date_trunc('month', "sales".sold_at)::date as "d0", sum("sales".amount) as "m0"
  from "postgres"."analytics"."fact_sales" as "sales"
  group by 1
),
"g1" as (
  select * from (select "d0", sum("m0") over (partition by date_trunc('year', "d0") order by "d0" rows between unbounded preceding and current row) as "m0" from "g1_grain") as "w"
)
select "g1"."d0" as "sales.sold_at.month", "g1"."m0" as "revenue_ytd"
from "g1"
order by "sales.sold_at.month" asc nulls last
-- params: []
