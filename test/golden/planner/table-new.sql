-- model.test.orders (table) -> "analytics"."orders"
-- temporaries: analytics.orders__strata_tmp_c5a0ebf8

-- phase 1
-- step: create table (rows affected)
create table "analytics"."orders__strata_tmp_c5a0ebf8" as (
select id, customer_id, ordered_at, amount from "raw"."orders"
);

-- phase 2 (transaction)
begin;
-- step: rename new
alter table "analytics"."orders__strata_tmp_c5a0ebf8" rename to "orders";
commit;
