-- `*` over a relation whose columns are unknown: the whole query's columns are unknown.
select * from events
