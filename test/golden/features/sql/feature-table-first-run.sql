-- model.test.customer_daily (feature_table) -> "analytics"."customer_daily"
-- temporaries: analytics.customer_daily__strata_tmp_c5a0ebf8

-- phase 1
-- step: create table (rows affected)
create table "analytics"."customer_daily__strata_tmp_c5a0ebf8" as (
select customer_id, as_of, 1 as n from "analytics"."x"
);
-- step: create index
create unique index "customer_daily__strata_tmp_c5a0ebf8__idx_205856a3" on "analytics"."customer_daily__strata_tmp_c5a0ebf8" using btree ("customer_id", "as_of");
-- step: create index
create index "customer_daily__strata_tmp_c5a0ebf8__idx_4b6a4fa9" on "analytics"."customer_daily__strata_tmp_c5a0ebf8" using btree ("as_of");

-- phase 2 (transaction)
begin;
-- step: rename new
alter table "analytics"."customer_daily__strata_tmp_c5a0ebf8" rename to "customer_daily";
-- step: rename children
do $strata$
declare
  r record;
begin
  for r in
    select c.relname, c.relkind
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'analytics'
      and c.relkind in ('r', 'p', 'i', 'I')
      and left(c.relname, 35) = 'customer_daily__strata_tmp_c5a0ebf8'
  loop
    execute format('alter %s %I.%I rename to %I',
      case when r.relkind in ('i', 'I') then 'index' else 'table' end,
      'analytics', r.relname, 'customer_daily' || substr(r.relname, 36));
  end loop;
end
$strata$;
commit;

