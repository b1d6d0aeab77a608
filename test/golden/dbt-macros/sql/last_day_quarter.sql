cast(date_trunc('quarter', '2024-05-10'::date) + ((interval '1 month') * (3)) + ((interval '1 day') * (-1)) as date)
