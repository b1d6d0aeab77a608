select e."customer_id",
  e."region",
  e."store_id",
  e."event_timestamp",
  e."label",
  v0."purchase_count_30d" as "customer_features__purchase_count_30d",
  v0."avg_order_value_90d" as "customer_features__avg_order_value_90d",
  v1."footfall" as "store_features__footfall"
from (select * from pg_temp."__strata_entities" order by "customer_id", "event_timestamp") as e
left join lateral (
  select f."purchase_count_30d", f."avg_order_value_90d" from "analytics"."customer_daily" as f
  where f."customer_id" = cast(e."customer_id" as bigint)
    and f."as_of" <= cast(e."event_timestamp" as date)
    and f."as_of" > cast(e."event_timestamp" - interval '7776000 seconds' as date)
  order by f."as_of" desc, f."purchase_count_30d" asc nulls last, f."avg_order_value_90d" asc nulls last
  limit 1
) as v0 on true
left join lateral (
  select f."footfall" from (
select region, store_id, updated_at, footfall from raw.stores
) as f
  where f."region" = cast(e."region" as text)
    and f."store_id" = cast(e."store_id" as integer)
    and f."updated_at" <= cast(e."event_timestamp" as timestamp with time zone)
  order by f."updated_at" desc, f."updated_at" desc nulls last, f."footfall" asc nulls last
  limit 1
) as v1 on true
order by e."__strata_row"
