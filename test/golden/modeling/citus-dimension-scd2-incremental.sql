-- model.test.dim_customer (dimension) -> "gold"."dim_customer"

-- phase 1 (transaction)
begin;
-- step: stage batch
create temporary table "dim_customer__strata_tmp_c5a0ebf8_batch" on commit drop as
select * from (
select customer_id, name, segment, region, updated_at from "raw"."customers"
) as q
where q."updated_at" > coalesce((select max(t."updated_at") from "gold"."dim_customer" as t), '-infinity');
-- step: analyze batch
analyze pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch";
-- step: check batch keys
do $strata$
declare
  dups text;
  n bigint;
begin
  select count(*) into n from pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch" where "customer_id" is null;
  if n > 0 then
    raise exception 'strata: %: % row(s) of this batch have a NULL natural_key (%)', 'model.test.dim_customer', n, 'customer_id'
      using hint = 'every row needs its key; filter or coalesce NULL keys in the model';
  end if;
  select count(*), string_agg(k, ', ' order by k) filter (where rn <= 20) into n, dups
  from (select row("customer_id")::text as k, row_number() over (order by row("customer_id")::text) as rn
        from pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch" group by "customer_id" having count(*) > 1) d;
  if n > 0 then
    raise exception 'strata: %: % natural_key value(s) appear more than once in this batch: %', 'model.test.dim_customer', n, dups
      using hint = 'the query must return one row per key; deduplicate it (e.g. keep the newest row per key)';
  end if;
end
$strata$;
-- step: citus: batch like its target
do $strata$
declare
  method "char";
  dist_column text;
  ddl text;
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'citus') then
    execute format('select partmethod, column_to_column_name(logicalrelid, partkey) from pg_dist_partition where logicalrelid = %L::regclass', '"gold"."dim_customer"')
      into method, dist_column;
  end if;
  if method is null then
    return;
  end if;
  create table "gold"."dim_customer__strata_tmp_c5a0ebf8_batch" (like pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch");
  if method = 'h' then
    if not dist_column = any(array['customer_id']::text[]) then
      raise exception 'strata: %: % is distributed by %, which is not one of the key columns (%)', 'model.test.dim_customer', '"gold"."dim_customer"', dist_column, 'customer_id'
        using hint = 'Citus joins a batch with its table shard by shard: make the distribution column part of the key, or make the table a reference table';
    end if;
    perform create_distributed_table('"gold"."dim_customer__strata_tmp_c5a0ebf8_batch"', dist_column, colocate_with => '"gold"."dim_customer"');
  else
    perform create_reference_table('"gold"."dim_customer__strata_tmp_c5a0ebf8_batch"');
  end if;
  insert into "gold"."dim_customer__strata_tmp_c5a0ebf8_batch" select * from pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch";
  drop table pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch";
  ddl := current_setting('citus.enable_ddl_propagation');
  perform set_config('citus.enable_ddl_propagation', 'off', true);
  create temporary view "dim_customer__strata_tmp_c5a0ebf8_batch" as select * from "gold"."dim_customer__strata_tmp_c5a0ebf8_batch";
  perform set_config('citus.enable_ddl_propagation', ddl, true);
end
$strata$;
-- step: prefer index lookups for a small batch
do $strata$
begin
  if (select count(*) from pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch") * 20 < (select greatest(c.reltuples, 0) from pg_catalog.pg_class c where c.oid = '"gold"."dim_customer"'::regclass) then
    perform set_config('enable_hashjoin', 'off', true);
    perform set_config('enable_mergejoin', 'off', true);
  end if;
end
$strata$;
-- step: overwrite untracked columns
update "gold"."dim_customer" as t
set "name" = s."name", "updated_at" = s."updated_at"
from pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch" as s
where t."customer_id" = s."customer_id" and (t."name", t."updated_at") is distinct from (s."name", s."updated_at");
-- step: close changed versions (rows affected)
update "gold"."dim_customer" as t
set "valid_to" = greatest(coalesce(s."updated_at"::timestamp without time zone, clock."now"), t."valid_from"), "is_current" = false
from pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch" as s, (select localtimestamp as "now") as clock
where t."customer_id" = s."customer_id" and t."is_current" and (t."segment", t."region") is distinct from (s."segment", s."region");
-- step: collect new rows
create temporary table "dim_customer__strata_tmp_c5a0ebf8_batch_new" on commit drop as
select s."customer_id", s."name", s."segment", s."region", s."updated_at", case when h."last_valid_to" is null then '1900-01-01'::timestamp without time zone else greatest(coalesce(s."updated_at"::timestamp without time zone, localtimestamp), h."last_valid_to") end as "valid_from"
from pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch" as s
left join lateral (select max(h."valid_to") as "last_valid_to" from "gold"."dim_customer" as h where h."customer_id" = s."customer_id") as h on true
where not exists (select 1 from "gold"."dim_customer" as t where t."customer_id" = s."customer_id" and t."is_current");
-- step: insert new rows (rows affected)
insert into "gold"."dim_customer" ("customer_key", "customer_id", "name", "segment", "region", "updated_at", "valid_from", "valid_to", "is_current")
select (select greatest(max("customer_key"), 0) from "gold"."dim_customer") + row_number() over (order by s."customer_id"), s."customer_id", s."name", s."segment", s."region", s."updated_at", s."valid_from", null, true
from pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch_new" as s;
-- step: citus: drop batch copy
do $strata$
declare
  ddl text;
begin
  if to_regclass('"gold"."dim_customer__strata_tmp_c5a0ebf8_batch"') is not null then
    ddl := current_setting('citus.enable_ddl_propagation');
    perform set_config('citus.enable_ddl_propagation', 'off', true);
    drop view pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch";
    perform set_config('citus.enable_ddl_propagation', ddl, true);
    drop table "gold"."dim_customer__strata_tmp_c5a0ebf8_batch";
  end if;
end
$strata$;
commit;

-- phase 2
-- step: citus reference table
do $strata$
declare
  managed boolean;
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'citus') then
    execute format('select exists (select 1 from pg_dist_partition where logicalrelid = %L::regclass)', '"gold"."dim_customer"') into managed;
    if not managed then
      -- Citus locks and re-creates the table's dependent views: never while a swap (which
      -- drops and restores them) runs.
      perform pg_advisory_xact_lock(1398227280);
      perform create_reference_table('"gold"."dim_customer"');
      -- Citus copied the rows into shards; the coordinator's table keeps a dead local copy.
      perform truncate_local_data_after_distributing_table('"gold"."dim_customer"');
    end if;
  end if;
end
$strata$;
