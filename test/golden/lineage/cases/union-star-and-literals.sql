-- select * from a CTE, UNION with a branch of literals: sources merge branch by branch.
with recent as (select order_id, amount from orders where status = 'new')
select * from recent
union all
select 0, null
