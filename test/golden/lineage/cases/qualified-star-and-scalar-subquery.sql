-- t.* expands only that relation; a scalar subquery feeds its column into the expression.
select o.*, (select max(c.region) from customers c where c.customer_id = o.customer_id) as region
from orders o
