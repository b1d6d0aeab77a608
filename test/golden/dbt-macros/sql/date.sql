to_date('2024-02-29', 'YYYY-MM-DD')
