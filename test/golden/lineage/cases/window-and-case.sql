-- Window functions, CASE and COALESCE over a join: every column reference is an input.
select
  o.order_id,
  row_number() over (partition by o.customer_id order by o.amount desc) as rank_in_customer,
  case when c.region = 'EMEA' then o.amount * 1.2 else o.amount end as gross,
  coalesce(c.name, 'unknown') as customer_name
from orders o
left join customers c on c.customer_id = o.customer_id
