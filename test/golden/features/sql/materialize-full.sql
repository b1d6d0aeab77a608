select distinct on (f."customer_id") f."customer_id"::text as "__key", extract(epoch from cast(f."as_of" as timestamptz))::float8 * 1000 as "__ts", f."purchase_count_30d"::text as "purchase_count_30d", f."avg_order_value_90d"::text as "avg_order_value_90d"
from "analytics"."customer_daily" as f
where f."as_of" <= cast($1::timestamptz as date) and f."as_of" > cast($1::timestamptz - interval '7776000 seconds' as date)
order by f."customer_id", f."as_of" desc, f."purchase_count_30d" asc nulls last, f."avg_order_value_90d" asc nulls last
