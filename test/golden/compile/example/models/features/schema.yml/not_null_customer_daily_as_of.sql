select as_of
from "postgres"."analytics"."customer_daily"
where as_of is null