select product_key
from "postgres"."analytics"."fact_sales"
where product_key is null