cast('42' as integer)
