md5(cast('x' as TEXT))
