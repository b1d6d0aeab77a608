replace('aXa', 'X', '-')
