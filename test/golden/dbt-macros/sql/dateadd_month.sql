'2024-03-31'::date + ((interval '1 month') * (-1))
