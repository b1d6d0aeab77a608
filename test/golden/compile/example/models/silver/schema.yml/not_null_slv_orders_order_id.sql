select order_id
from "postgres"."analytics"."slv_orders"
where order_id is null