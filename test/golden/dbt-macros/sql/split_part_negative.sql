split_part('a,b,c', ',', length('a,b,c') - length(replace('a,b,c', ',', '')) + 2 + -1)
