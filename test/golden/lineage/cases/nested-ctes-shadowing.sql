-- A CTE named like a table shadows it; nested subquery aliases rename columns.
with customers as (
  select customer_id as id, upper(name) as name from customers
), totals as (
  select t.cid, t.total from (select customer_id, sum(amount) from orders group by 1) as t(cid, total)
)
select c.id, c.name, totals.total
from customers c join totals on totals.cid = c.id
