-- model.test.orders (incremental) -> "gold"."orders"

-- phase 1 (transaction)
begin;
-- step: stage new rows
create temporary table "orders__strata_tmp_c5a0ebf8" on commit drop as (
select order_id, customer_id, amount from "raw"."orders"
);
-- step: citus: batch like its target
do $strata$
declare
  method "char";
  dist_column text;
  ddl text;
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'citus') then
    execute format('select partmethod, column_to_column_name(logicalrelid, partkey) from pg_dist_partition where logicalrelid = %L::regclass', '"gold"."orders"')
      into method, dist_column;
  end if;
  if method is null then
    return;
  end if;
  create table "gold"."orders__strata_tmp_c5a0ebf8" (like pg_temp."orders__strata_tmp_c5a0ebf8");
  if method = 'h' then
    if not dist_column = any(array['order_id']::text[]) then
      raise exception 'strata: %: % is distributed by %, which is not one of the key columns (%)', 'model.test.orders', '"gold"."orders"', dist_column, 'order_id'
        using hint = 'Citus joins a batch with its table shard by shard: make the distribution column part of the key, or make the table a reference table';
    end if;
    perform create_distributed_table('"gold"."orders__strata_tmp_c5a0ebf8"', dist_column, colocate_with => '"gold"."orders"');
  else
    perform create_reference_table('"gold"."orders__strata_tmp_c5a0ebf8"');
  end if;
  insert into "gold"."orders__strata_tmp_c5a0ebf8" select * from pg_temp."orders__strata_tmp_c5a0ebf8";
  drop table pg_temp."orders__strata_tmp_c5a0ebf8";
  ddl := current_setting('citus.enable_ddl_propagation');
  perform set_config('citus.enable_ddl_propagation', 'off', true);
  create temporary view "orders__strata_tmp_c5a0ebf8" as select * from "gold"."orders__strata_tmp_c5a0ebf8";
  perform set_config('citus.enable_ddl_propagation', ddl, true);
end
$strata$;
-- step: delete matched
delete from "gold"."orders" as strata_target
using pg_temp."orders__strata_tmp_c5a0ebf8" as strata_new
where strata_target."order_id" = strata_new."order_id";
-- step: delete matched (null keys)
delete from "gold"."orders" as strata_target
using pg_temp."orders__strata_tmp_c5a0ebf8" as strata_new
where (strata_new."order_id" is null) and strata_target."order_id" is not distinct from strata_new."order_id";
-- step: insert (rows affected)
insert into "gold"."orders" ("order_id", "customer_id", "amount")
select "order_id", "customer_id", "amount" from pg_temp."orders__strata_tmp_c5a0ebf8";
-- step: citus: drop batch copy
do $strata$
declare
  ddl text;
begin
  if to_regclass('"gold"."orders__strata_tmp_c5a0ebf8"') is not null then
    ddl := current_setting('citus.enable_ddl_propagation');
    perform set_config('citus.enable_ddl_propagation', 'off', true);
    drop view pg_temp."orders__strata_tmp_c5a0ebf8";
    perform set_config('citus.enable_ddl_propagation', ddl, true);
    drop table "gold"."orders__strata_tmp_c5a0ebf8";
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
    execute format('select exists (select 1 from pg_dist_partition where logicalrelid = %L::regclass)', '"gold"."orders"') into managed;
    if not managed then
      -- Citus locks and re-creates the table's dependent views: never while a swap (which
      -- drops and restores them) runs.
      perform pg_advisory_xact_lock(1398227280);
      perform create_reference_table('"gold"."orders"');
      -- Citus copied the rows into shards; the coordinator's table keeps a dead local copy.
      perform truncate_local_data_after_distributing_table('"gold"."orders"');
    end if;
  end if;
end
$strata$;
