-- model.test.fact_sales (fact) -> "gold"."fact_sales"

-- phase 1 (transaction)
begin;
-- step: find cutoff
create temporary table "fact_sales__strata_tmp_c5a0ebf8_cutoff" on commit drop as
select max("sold_at") - interval '3 days' as c from "gold"."fact_sales";
-- step: delete lookback window
delete from "gold"."fact_sales" where "sold_at" > (select c from pg_temp."fact_sales__strata_tmp_c5a0ebf8_cutoff");
-- step: insert new rows (rows affected)
insert into "gold"."fact_sales" ("sale_id", "customer_id", "sold_at", "amount", "customer_key")
select "sale_id", "customer_id", "sold_at", "amount", "customer_key" from (
select q.*, coalesce(d1."customer_key", -1) as "customer_key"
from (
select sale_id, customer_id, sold_at, amount from "raw"."sales"
) as q
left join "gold"."dim_customer" as d1 on d1."customer_id" = q."customer_id"
  and d1."valid_from" <= q."sold_at" and (d1."valid_to" is null or q."sold_at" < d1."valid_to")
) as f
where (select c from pg_temp."fact_sales__strata_tmp_c5a0ebf8_cutoff") is null or f."sold_at" > (select c from pg_temp."fact_sales__strata_tmp_c5a0ebf8_cutoff");
commit;

-- phase 2
-- step: citus distribute
do $strata$
declare
  managed boolean;
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'citus') then
    execute format('select exists (select 1 from pg_dist_partition where logicalrelid = %L::regclass)', '"gold"."fact_sales"') into managed;
    if not managed then
      -- Citus locks and re-creates the table's dependent views: never while a swap (which
      -- drops and restores them) runs.
      perform pg_advisory_xact_lock(1398227280);
      perform create_distributed_table('"gold"."fact_sales"', 'customer_id');
      -- Citus copied the rows into shards; the coordinator's table keeps a dead local copy.
      perform truncate_local_data_after_distributing_table('"gold"."fact_sales"');
    end if;
  end if;
end
$strata$;
