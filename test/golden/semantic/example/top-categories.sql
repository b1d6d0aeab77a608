with "g1" as (
  select "product".category as "d0", sum("sales".amount) as "m0"
  from "postgres"."analytics"."fact_sales" as "sales"
  left join "postgres"."analytics"."dim_product" as "product" on "sales".product_key = "product".product_key
  group by 1
)
select "g1"."d0" as "product.category", "g1"."m0" as "revenue"
from "g1"
order by "revenue" desc nulls last, "product.category" asc nulls last
limit $1
-- params: [10]
