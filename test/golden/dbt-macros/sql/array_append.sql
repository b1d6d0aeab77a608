array_append(array[ 1 ], 2)
