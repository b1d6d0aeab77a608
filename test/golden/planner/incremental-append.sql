-- model.test.orders (incremental) -> "analytics"."orders"

-- phase 1 (transaction)
begin;
-- step: insert (rows affected)
insert into "analytics"."orders" ("id", "customer_id", "ordered_at", "amount")
select "id", "customer_id", "ordered_at", "amount" from (
select id, customer_id, ordered_at, amount from "raw"."orders"
) as strata_new;
commit;
