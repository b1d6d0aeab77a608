select order_id
from "postgres"."analytics"."brz_orders"
where order_id is null