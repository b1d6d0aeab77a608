(select bool_or(x) from (values (false), (true)) v(x))
