select amount as value_field
from "postgres"."analytics"."slv_order_items"
where amount is not null and (false or amount < 0 or amount > 100000)