with stats as (
    select count(*) as n_records, count(*) - count(amount) as n_nulls
    from "postgres"."analytics"."slv_order_items"
)
select n_records, n_nulls, cast(n_nulls as float8) / n_records as null_rate, 0 as max_null_rate
from stats
where n_records > 0 and cast(n_nulls as float8) / n_records > 0