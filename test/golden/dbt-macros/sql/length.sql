length('abcd')
