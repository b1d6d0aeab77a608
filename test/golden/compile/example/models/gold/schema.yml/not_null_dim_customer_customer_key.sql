select customer_key
from "postgres"."analytics"."dim_customer"
where customer_key is null