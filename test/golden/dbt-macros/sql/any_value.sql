(select min(x) from (values (1), (1)) v(x))
