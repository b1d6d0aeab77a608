with "g1_events" as (
  select "web".event_type as "d0", "web"."customer_id" as "__entity", "web".occurred_at as "__at"
  from "postgres"."analytics"."slv_web_events" as "web"
),
"g1" as (
  select "ev"."d0" as "d0", count(*) as "base_events", count(*) filter (where exists (select 1 from "postgres"."analytics"."fact_sales" as "sales" where "sales"."customer_id" = "ev"."__entity" and "sales".sold_at > "ev"."__at" and "sales".sold_at <= "ev"."__at" + interval '7 days')) as "conversions"
  from "g1_events" as "ev"
  group by 1
)
select "g1"."d0" as "web.event_type", cast("g1"."conversions" as double precision) / nullif("g1"."base_events", 0) as "visit_to_purchase"
from "g1"
order by "web.event_type" asc nulls last
-- params: []
