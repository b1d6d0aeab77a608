split_part('a,b,c', ',', 2)
