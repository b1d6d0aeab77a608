select customer_id
from "postgres"."analytics"."slv_customers"
where customer_id is null