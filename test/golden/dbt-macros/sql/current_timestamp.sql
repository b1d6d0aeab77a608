now() is not null
