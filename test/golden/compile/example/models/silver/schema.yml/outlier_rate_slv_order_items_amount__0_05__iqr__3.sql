with bounds as (
    select
        q1 - 3 * (q3 - q1) as lower_bound,
        q3 + 3 * (q3 - q1) as upper_bound
    from (
        select
            percentile_cont(0.25) within group (order by cast(amount as float8)) as q1,
            percentile_cont(0.75) within group (order by cast(amount as float8)) as q3
        from "postgres"."analytics"."slv_order_items"
    ) quartiles
),
rates as (
    select
        count(*) filter (where cast(t.amount as float8) < b.lower_bound or cast(t.amount as float8) > b.upper_bound) as n_outliers,
        count(t.amount) as n_values
    from "postgres"."analytics"."slv_order_items" as t cross join bounds as b
)
select n_outliers, n_values, cast(n_outliers as float8) / n_values as outlier_rate, 0.05 as max_outlier_rate
from rates
where n_values > 0 and cast(n_outliers as float8) / n_values > 0.05