-- Singular test: fails when any order line has a negative amount.
select order_item_id, amount
from "postgres"."analytics"."slv_order_items"
where amount < 0