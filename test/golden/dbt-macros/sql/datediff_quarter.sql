((date_part('year', ('2024-04-01')::date) - date_part('year', ('2023-12-31')::date)) * 4 + date_part('quarter', ('2024-04-01')::date) - date_part('quarter', ('2023-12-31')::date))
