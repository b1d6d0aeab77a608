select sale_id
from "postgres"."analytics"."fact_sales"
where sale_id is null