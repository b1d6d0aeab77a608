select product_key
from "postgres"."analytics"."dim_product"
where product_key is null