-- promote
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
      raise exception 'strata: %: % is distributed by %, which is not one of the key columns (%)', 'model.shop.dim_customer', '"gold"."dim_customer"', dist_column, 'customer_id'
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
$strata$
-- release
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
$strata$
