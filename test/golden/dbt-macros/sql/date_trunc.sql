date_trunc('month', '2024-02-17'::date)
