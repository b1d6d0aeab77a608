select date_key
from "postgres"."analytics"."dim_date"
where date_key is null