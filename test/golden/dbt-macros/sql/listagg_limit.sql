(select array_to_string((array_agg(x order by x))[1:1], '-') from (values ('a'), ('b')) v(x))
