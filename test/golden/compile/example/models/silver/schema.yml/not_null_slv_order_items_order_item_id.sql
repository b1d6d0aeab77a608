select order_item_id
from "postgres"."analytics"."slv_order_items"
where order_item_id is null