(select count(*) from (select generated_number from generate_series(1, 5) as gs(generated_number)) s)
