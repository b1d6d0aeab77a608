((date_part('year', ('2024-02-01')::date) - date_part('year', ('2024-01-31')::date)) * 12 + date_part('month', ('2024-02-01')::date) - date_part('month', ('2024-01-31')::date))
