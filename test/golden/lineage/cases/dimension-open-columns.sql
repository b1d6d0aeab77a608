-- A dimension table has columns its SELECT does not list (surrogate keys): a qualified
-- reference to one is attributed to it; an unqualified one stays ambiguous.
select d.customer_key, d.region, valid_from
from dim_customer d join orders o on o.customer_id = d.customer_id
