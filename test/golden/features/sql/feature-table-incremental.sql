-- model.test.customer_daily (feature_table) -> "analytics"."customer_daily"

-- phase 1 (transaction)
begin;
-- step: stage new rows
create temporary table "customer_daily__strata_tmp_c5a0ebf8" on commit drop as
select * from (
select customer_id, as_of, 1 as n from "analytics"."x"
) as s
where s."as_of" >= coalesce((select max(m."as_of") from "analytics"."customer_daily" as m) - interval '259200 seconds', s."as_of");
-- step: delete restated rows
delete from "analytics"."customer_daily" as t where t."as_of" >= (select max(m."as_of") from "analytics"."customer_daily" as m) - interval '259200 seconds';
-- step: insert (rows affected)
insert into "analytics"."customer_daily" ("customer_id", "as_of", "n")
select "customer_id", "as_of", "n" from pg_temp."customer_daily__strata_tmp_c5a0ebf8";
commit;

