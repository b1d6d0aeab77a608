select e."customer_id",
  e."region",
  e."store_id",
  e."event_timestamp",
  e."label",
  v0."purchase_count_30d" as "customer_features__purchase_count_30d",
  v0."avg_order_value_90d" as "customer_features__avg_order_value_90d",
  v1."footfall" as "store_features__footfall"
from pg_temp."__strata_entities" as e
left join (
  select r.* from (
    select e2."__strata_row", f."purchase_count_30d", f."avg_order_value_90d",
      row_number() over (partition by e2."__strata_row" order by f."as_of" desc, f."purchase_count_30d" asc nulls last, f."avg_order_value_90d" asc nulls last) as "__strata_rank"
    from pg_temp."__strata_entities" as e2 join "analytics"."customer_daily" as f
      on f."customer_id" = cast(e2."customer_id" as bigint)
    and f."as_of" <= cast(e2."event_timestamp" as date)
    and f."as_of" > cast(e2."event_timestamp" - interval '7776000 seconds' as date)
  ) as r where r."__strata_rank" = 1
) as v0 on v0."__strata_row" = e."__strata_row"
left join (
  select r.* from (
    select e2."__strata_row", f."footfall",
      row_number() over (partition by e2."__strata_row" order by f."updated_at" desc, f."updated_at" desc nulls last, f."footfall" asc nulls last) as "__strata_rank"
    from pg_temp."__strata_entities" as e2 join (
select region, store_id, updated_at, footfall from raw.stores
) as f
      on f."region" = cast(e2."region" as text)
    and f."store_id" = cast(e2."store_id" as integer)
    and f."updated_at" <= cast(e2."event_timestamp" as timestamp with time zone)
  ) as r where r."__strata_rank" = 1
) as v1 on v1."__strata_row" = e."__strata_row"
order by e."__strata_row"
