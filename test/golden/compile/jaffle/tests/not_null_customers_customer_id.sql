
    
    



select customer_id
from "analytics"."dbt_dev_marts"."customers"
where customer_id is null


