

-- History of the cleaned customers (dbt-compatible snapshot: dbt_valid_from / dbt_valid_to).
select customer_id, email, region, segment, updated_at from "postgres"."analytics"."slv_customers"