-- model.test.orders (incremental) -> "analytics"."orders"

-- phase 1 (transaction)
begin;
-- step: stage new rows
create temporary table "orders__strata_tmp_c5a0ebf8" on commit drop as (
select id, customer_id, ordered_at, amount from "raw"."orders"
);
-- step: add column
alter table "analytics"."orders" add column "status" text;
-- step: check unique key
do $strata$
declare
  dup text;
  n bigint;
begin
  select row("id")::text, count(*) into dup, n from pg_temp."orders__strata_tmp_c5a0ebf8" group by "id" having count(*) > 1 limit 1;
  if found then
    raise exception 'strata: % has % new rows with unique_key (%) = %', 'model.test.orders', n, 'id', dup
      using hint = 'unique_key must identify one row of the model''s query; deduplicate it or change unique_key.';
  end if;
end
$strata$;
-- step: update matched (rows affected)
update "analytics"."orders" as strata_target
set "customer_id" = strata_new."customer_id", "ordered_at" = strata_new."ordered_at", "amount" = strata_new."amount", "status" = strata_new."status"
from pg_temp."orders__strata_tmp_c5a0ebf8" as strata_new
where strata_target."id" = strata_new."id";
-- step: update matched (null keys) (rows affected)
update "analytics"."orders" as strata_target
set "customer_id" = strata_new."customer_id", "ordered_at" = strata_new."ordered_at", "amount" = strata_new."amount", "status" = strata_new."status"
from pg_temp."orders__strata_tmp_c5a0ebf8" as strata_new
where (strata_new."id" is null) and strata_target."id" is not distinct from strata_new."id";
-- step: insert unmatched (rows affected)
insert into "analytics"."orders" ("id", "customer_id", "ordered_at", "amount", "status")
select "id", "customer_id", "ordered_at", "amount", "status" from pg_temp."orders__strata_tmp_c5a0ebf8" as strata_new
where not exists (select 1 from "analytics"."orders" as strata_target where strata_target."id" = strata_new."id")
  and not exists (select 1 from "analytics"."orders" as strata_target where (strata_new."id" is null) and strata_target."id" is not distinct from strata_new."id");
commit;
