(select count(*) from (select spine.generated::timestamp as date_day
from generate_series(
    cast('2024-01-01' as timestamp),
    cast('2024-02-01' as timestamp),
    interval '1 day'
) as spine(generated)
where spine.generated < cast('2024-02-01' as timestamp)) s)
