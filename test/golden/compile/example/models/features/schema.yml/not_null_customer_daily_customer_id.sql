select customer_id
from "postgres"."analytics"."customer_daily"
where customer_id is null