-- Gold: product dimension, SCD type 1 (attributes are overwritten; keys never change).


select product_id, product_name, category, price, launched_at
from "postgres"."analytics"."slv_products"