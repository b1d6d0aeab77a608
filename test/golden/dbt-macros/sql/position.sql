position('c' in 'abc')
