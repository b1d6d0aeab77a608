select customer_id
from "postgres"."analytics"."customer_orders"
where customer_id is null