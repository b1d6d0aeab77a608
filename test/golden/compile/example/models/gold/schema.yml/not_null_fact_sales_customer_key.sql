select customer_key
from "postgres"."analytics"."fact_sales"
where customer_key is null