-- model.test.fact_sales (fact) -> "gold"."fact_sales"
-- temporaries: gold.fact_sales__strata_tmp_c5a0ebf8, gold.fact_sales__strata_tmp_c5a0ebf8_stage

-- phase 1
-- step: create stage (rows affected)
create table "gold"."fact_sales__strata_tmp_c5a0ebf8_stage" as (
select q.*, coalesce(d1."customer_key", -1) as "customer_key"
from (
select sale_id, customer_id, sold_at, amount from "raw"."sales"
) as q
left join "gold"."dim_customer" as d1 on d1."customer_id" = q."customer_id"
  and d1."valid_from" <= q."sold_at" and (d1."valid_to" is null or q."sold_at" < d1."valid_to")
);
-- step: create partitioned table
create table "gold"."fact_sales__strata_tmp_c5a0ebf8" (like "gold"."fact_sales__strata_tmp_c5a0ebf8_stage") partition by range ("sold_at");
-- step: create partitions
do $strata$
declare
  lo timestamp;
  hi timestamp;
  d timestamp;
  n integer := 0;
begin
  select date_trunc('month', min("sold_at")::timestamp), date_trunc('month', max("sold_at")::timestamp)
    into lo, hi
    from "gold"."fact_sales__strata_tmp_c5a0ebf8_stage";
  d := lo;
  while d is not null and d <= hi loop
    n := n + 1;
    if n > 5000 then
      raise exception 'strata: partition_by on % would create more than 5000 month partitions (% to %)', 'sold_at', lo, hi;
    end if;
    execute format('create table %I.%I partition of %I.%I for values from (%L) to (%L)',
      'gold', 'fact_sales__strata_tmp_c5a0ebf8' || '_p' || to_char(d, 'YYYYMM'),
      'gold', 'fact_sales__strata_tmp_c5a0ebf8',
      d::timestamp, (d + interval '1 month')::timestamp);
    d := d + interval '1 month';
  end loop;
  execute format('create table %I.%I partition of %I.%I default',
    'gold', 'fact_sales__strata_tmp_c5a0ebf8' || '_default', 'gold', 'fact_sales__strata_tmp_c5a0ebf8');
end
$strata$;
-- step: load partitions
insert into "gold"."fact_sales__strata_tmp_c5a0ebf8" select * from "gold"."fact_sales__strata_tmp_c5a0ebf8_stage";
-- step: drop stage
drop table "gold"."fact_sales__strata_tmp_c5a0ebf8_stage";

-- phase 2 (transaction)
begin;
-- step: rename new
alter table "gold"."fact_sales__strata_tmp_c5a0ebf8" rename to "fact_sales";
-- step: rename children
do $strata$
declare
  r record;
begin
  for r in
    select c.relname, c.relkind
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'gold'
      and c.relkind in ('r', 'p', 'i', 'I')
      and left(c.relname, 31) = 'fact_sales__strata_tmp_c5a0ebf8'
  loop
    execute format('alter %s %I.%I rename to %I',
      case when r.relkind in ('i', 'I') then 'index' else 'table' end,
      'gold', r.relname, 'fact_sales' || substr(r.relname, 32));
  end loop;
end
$strata$;
commit;

-- phase 3
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
