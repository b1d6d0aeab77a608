'2024-02-27'::date + ((interval '1 day') * (3))
