with "g1" as (
  select "product".category as "d0", sum("sales".amount) as "m0", count(distinct "sales".order_id) as "m1"
  from "gold"."fact_sales" as "sales"
  left join "gold"."dim_product" as "product" on "sales".product_key = "product".product_key
  left join "gold"."dim_customer" as "customer" on "sales".customer_key = "customer".customer_key
  where "customer".segment in ($1)
    and ("sales".channel in ('web', 'mobile'))
  group by 1
)
select "g1"."d0" as "product.category", "g1"."m0" as "revenue", "g1"."m1" as "orders"
from "g1"
where "g1"."m0" > $2::numeric
order by "revenue" desc nulls last, "product.category" asc nulls last
limit $3
-- params: ["SMB",100,10]
