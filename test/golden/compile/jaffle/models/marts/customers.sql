

with __dbt__cte__stg_payments as (


select
    id as payment_id,
    order_id,
    payment_method,
    -- amount is stored in cents, convert it to dollars
    amount / 100 as amount
from "analytics"."raw_data"."payments"
)select
    customers.customer_id,
    customers.first_name,
    customers.last_name,
    count(orders.order_id) as number_of_orders,
    sum(payments.amount) as customer_lifetime_value
from "analytics"."dbt_dev"."stg_customers" as customers
left join "analytics"."dbt_dev"."stg_orders" as orders on orders.customer_id = customers.customer_id
left join __dbt__cte__stg_payments as payments on payments.order_id = orders.order_id
group by 1, 2, 3