-- model.test.dim_customer (dimension) -> "gold"."dim_customer"
-- temporaries: gold.dim_customer__strata_tmp_c5a0ebf8

-- phase 1 (transaction)
begin;
-- step: stage batch
create temporary table "dim_customer__strata_tmp_c5a0ebf8_batch" on commit drop as
select * from (
select customer_id, name, segment, region, updated_at from "raw"."customers"
) as q;
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
-- step: create table
create table "gold"."dim_customer__strata_tmp_c5a0ebf8" (
  "customer_key" bigint not null,
  "customer_id" bigint,
  "name" text,
  "segment" text,
  "region" text,
  "updated_at" timestamp without time zone,
  "previous_segment" text
);
-- step: unknown member
insert into "gold"."dim_customer__strata_tmp_c5a0ebf8" ("customer_key", "customer_id", "name", "segment", "region", "updated_at")
values (-1, null, 'Unknown', 'Unknown', 'Unknown', null);
-- step: index surrogate key
create unique index "dim_customer__strata_tmp_c5a0ebf8__sk" on "gold"."dim_customer__strata_tmp_c5a0ebf8" ("customer_key");
-- step: index natural key
create unique index "dim_customer__strata_tmp_c5a0ebf8__nk" on "gold"."dim_customer__strata_tmp_c5a0ebf8" ("customer_id");
-- step: analyze
analyze "gold"."dim_customer__strata_tmp_c5a0ebf8";
-- step: update changed rows (rows affected)
update "gold"."dim_customer__strata_tmp_c5a0ebf8" as t
set "previous_segment" = case when t."segment" is distinct from s."segment" then t."segment" else t."previous_segment" end,
    "name" = s."name",
    "segment" = s."segment",
    "region" = s."region",
    "updated_at" = s."updated_at"
from pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch" as s
where t."customer_id" = s."customer_id" and (t."name", t."segment", t."region", t."updated_at") is distinct from (s."name", s."segment", s."region", s."updated_at");
-- step: collect new rows
create temporary table "dim_customer__strata_tmp_c5a0ebf8_batch_new" on commit drop as
select s."customer_id", s."name", s."segment", s."region", s."updated_at"
from pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch" as s
where not exists (select 1 from "gold"."dim_customer__strata_tmp_c5a0ebf8" as t where t."customer_id" = s."customer_id");
-- step: insert new rows (rows affected)
insert into "gold"."dim_customer__strata_tmp_c5a0ebf8" ("customer_key", "customer_id", "name", "segment", "region", "updated_at")
select (select greatest(max("customer_key"), 0) from "gold"."dim_customer__strata_tmp_c5a0ebf8") + row_number() over (order by s."customer_id"), s."customer_id", s."name", s."segment", s."region", s."updated_at"
from pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch_new" as s;
-- step: analyze
analyze "gold"."dim_customer__strata_tmp_c5a0ebf8";
-- step: rename new
alter table "gold"."dim_customer__strata_tmp_c5a0ebf8" rename to "dim_customer";
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
      and left(c.relname, 33) = 'dim_customer__strata_tmp_c5a0ebf8'
  loop
    execute format('alter %s %I.%I rename to %I',
      case when r.relkind in ('i', 'I') then 'index' else 'table' end,
      'gold', r.relname, 'dim_customer' || substr(r.relname, 34));
  end loop;
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
