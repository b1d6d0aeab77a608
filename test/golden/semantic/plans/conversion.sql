with "g1_events" as (
  select "customer".segment as "d0", "web"."customer_key" as "__entity", "web".occurred_at as "__at"
  from "gold"."web_events" as "web"
  left join "gold"."dim_customer" as "customer" on "web".customer_key = "customer".customer_key
),
"g1" as (
  select "ev"."d0" as "d0", count(*) as "base_events", count(*) filter (where exists (select 1 from "gold"."fact_sales" as "sales" where "sales"."customer_key" = "ev"."__entity" and "sales".sold_at > "ev"."__at" and "sales".sold_at <= "ev"."__at" + interval '7 days')) as "conversions"
  from "g1_events" as "ev"
  group by 1
)
select "g1"."d0" as "customer.segment", cast("g1"."conversions" as double precision) / nullif("g1"."base_events", 0) as "visit_to_purchase"
from "g1"
order by "customer.segment" asc nulls last
-- params: []
