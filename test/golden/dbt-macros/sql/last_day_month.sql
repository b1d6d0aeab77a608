cast(date_trunc('month', '2024-02-10'::date) + ((interval '1 month') * (1)) + ((interval '1 day') * (-1)) as date)
