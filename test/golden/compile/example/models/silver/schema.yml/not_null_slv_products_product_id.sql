select product_id
from "postgres"."analytics"."slv_products"
where product_id is null