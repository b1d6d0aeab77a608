-- model.test.orders (view) -> "analytics"."orders"

-- phase 1 (transaction)
begin;
-- step: replace view
create or replace view "analytics"."orders" as (
select id, customer_id, ordered_at, amount from "raw"."orders"
);
commit;
