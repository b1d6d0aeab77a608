-- Gold: one big table for BI tools that want a single relation: each sale with the customer as
-- they were at the time of the sale, the product and the calendar.


select
  f.sale_id,
  f.order_id,
  f.sold_at,
  f.channel,
  f.status,
  f.quantity,
  f.unit_price,
  f.amount,
  c.customer_key,
  c.customer_id,
  c.first_name,
  c.last_name,
  c.country,
  c.region,
  c.city,
  c.segment,
  p.product_key,
  p.product_id,
  p.product_name,
  p.category,
  d.date_key,
  d.date         as sold_on,
  d.day_name,
  d.month_name,
  d.quarter,
  d.year,
  d.fiscal_year,
  d.fiscal_quarter,
  d.is_weekend,
  d.is_holiday
from "postgres"."analytics"."fact_sales" f
join "postgres"."analytics"."dim_customer" c on c.customer_key = f.customer_key
join "postgres"."analytics"."dim_product" p on p.product_key = f.product_key
left join "postgres"."analytics"."dim_date" d on d.date_key = f.date_key