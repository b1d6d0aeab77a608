select e."customer_id",
  e."region",
  e."store_id",
  e."event_timestamp",
  e."label",
  (select f."purchase_count_30d" from "analytics"."customer_daily" as f
    where f."customer_id" = cast(e."customer_id" as bigint)
    and f."as_of" <= cast(e."event_timestamp" as date)
    and f."as_of" > cast(e."event_timestamp" - interval '7776000 seconds' as date)
    order by f."as_of" desc, f."purchase_count_30d" asc nulls last, f."avg_order_value_90d" asc nulls last limit 1) as "customer_features__purchase_count_30d",
  (select f."avg_order_value_90d" from "analytics"."customer_daily" as f
    where f."customer_id" = cast(e."customer_id" as bigint)
    and f."as_of" <= cast(e."event_timestamp" as date)
    and f."as_of" > cast(e."event_timestamp" - interval '7776000 seconds' as date)
    order by f."as_of" desc, f."purchase_count_30d" asc nulls last, f."avg_order_value_90d" asc nulls last limit 1) as "customer_features__avg_order_value_90d",
  (select f."footfall" from (
select region, store_id, updated_at, footfall from raw.stores
) as f
    where f."region" = cast(e."region" as text)
    and f."store_id" = cast(e."store_id" as integer)
    and f."updated_at" <= cast(e."event_timestamp" as timestamp with time zone)
    order by f."updated_at" desc, f."updated_at" desc nulls last, f."footfall" asc nulls last limit 1) as "store_features__footfall"
from pg_temp."__strata_entities" as e
order by e."__strata_row"
