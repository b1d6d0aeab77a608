

-- Price and category history of products (check strategy: no reliable updated_at upstream).
select product_id, product_name, category, price from "postgres"."analytics"."slv_products"