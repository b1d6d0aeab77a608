with "g1" as (
  select "customer".region as "d0", sum("sales".amount) as "m0"
  from "gold"."fact_sales" as "sales"
  left join "gold"."dim_customer" as "customer" on "sales".customer_key = "customer".customer_key
  group by 1
),
"g2" as (
  select "customer".region as "d0", count(*) as "m0"
  from "gold"."web_events" as "web"
  left join "gold"."dim_customer" as "customer" on "web".customer_key = "customer".customer_key
  group by 1
),
"g1k" as (select *, json_build_array("d0")::text as "__k" from "g1"),
"g2k" as (select *, json_build_array("d0")::text as "__k" from "g2"),
"keys" as (select distinct "__k", "d0" from (select "__k", "d0" from "g1k" union all select "__k", "d0" from "g2k") as "u")
select "keys"."d0" as "customer.region", "g1k"."m0" as "revenue", "g2k"."m0" as "visits"
from "keys" left join "g1k" on "g1k"."__k" = "keys"."__k" left join "g2k" on "g2k"."__k" = "keys"."__k"
order by "customer.region" asc nulls last
-- params: []
