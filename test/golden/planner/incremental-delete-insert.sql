-- model.test.orders (incremental) -> "analytics"."orders"

-- phase 1 (transaction)
begin;
-- step: stage new rows
create temporary table "orders__strata_tmp_c5a0ebf8" on commit drop as (
select id, customer_id, ordered_at, amount from "raw"."orders"
);
-- step: delete matched
delete from "analytics"."orders" as strata_target
using pg_temp."orders__strata_tmp_c5a0ebf8" as strata_new
where strata_target."id" = strata_new."id";
-- step: delete matched (null keys)
delete from "analytics"."orders" as strata_target
using pg_temp."orders__strata_tmp_c5a0ebf8" as strata_new
where (strata_new."id" is null) and strata_target."id" is not distinct from strata_new."id";
-- step: insert (rows affected)
insert into "analytics"."orders" ("id", "customer_id", "ordered_at", "amount")
select "id", "customer_id", "ordered_at", "amount" from pg_temp."orders__strata_tmp_c5a0ebf8";
commit;
