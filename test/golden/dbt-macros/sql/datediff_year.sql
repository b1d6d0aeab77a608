(date_part('year', ('2024-01-01')::date) - date_part('year', ('2023-12-31')::date))
