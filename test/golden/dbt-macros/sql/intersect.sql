(select count(*) from (select 1 intersect select 1) s)
