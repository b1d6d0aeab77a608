(select string_agg(x, '-' order by x desc) from (values ('a'), ('b')) v(x))
