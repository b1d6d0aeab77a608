-- model.test.people_snapshot (snapshot) -> "snapshots"."people_snapshot"

-- phase 1 (transaction)
begin;
-- step: stage batch
create temporary table "people_snapshot__strata_tmp_c5a0ebf8_batch" on commit drop as
select * from (
select id, email, updated_at from "raw"."people"
) as q;
-- step: analyze batch
analyze pg_temp."people_snapshot__strata_tmp_c5a0ebf8_batch";
-- step: check batch keys
do $strata$
declare
  dups text;
  n bigint;
begin
  select count(*) into n from pg_temp."people_snapshot__strata_tmp_c5a0ebf8_batch" where "id" is null;
  if n > 0 then
    raise exception 'strata: %: % row(s) of this batch have a NULL unique_key (%)', 'model.test.people_snapshot', n, 'id'
      using hint = 'every row needs its key; filter or coalesce NULL keys in the model';
  end if;
  select count(*), string_agg(k, ', ' order by k) filter (where rn <= 20) into n, dups
  from (select row("id")::text as k, row_number() over (order by row("id")::text) as rn
        from pg_temp."people_snapshot__strata_tmp_c5a0ebf8_batch" group by "id" having count(*) > 1) d;
  if n > 0 then
    raise exception 'strata: %: % unique_key value(s) appear more than once in this batch: %', 'model.test.people_snapshot', n, dups
      using hint = 'the query must return one row per key; deduplicate it (e.g. keep the newest row per key)';
  end if;
end
$strata$;
-- step: close changed versions (rows affected)
update "snapshots"."people_snapshot" as t
set "dbt_valid_to" = greatest(s."updated_at"::timestamp without time zone, t."dbt_valid_from")
from pg_temp."people_snapshot__strata_tmp_c5a0ebf8_batch" as s
where t."id" = s."id" and t."dbt_valid_to" is null and t."dbt_updated_at" < s."updated_at"::timestamp without time zone;
-- step: invalidate deleted rows (rows affected)
update "snapshots"."people_snapshot" as t
set "dbt_valid_to" = greatest(now()::timestamp without time zone, t."dbt_valid_from")
where t."dbt_valid_to" is null and not exists (select 1 from pg_temp."people_snapshot__strata_tmp_c5a0ebf8_batch" as s where t."id" = s."id");
-- step: insert new versions (rows affected)
insert into "snapshots"."people_snapshot" ("id", "email", "updated_at", "dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to")
select s."id", s."email", s."updated_at", md5(coalesce(s."id"::text, '') || '|' || coalesce((s."updated_at"::timestamp without time zone)::text, '')), s."updated_at"::timestamp without time zone, s."updated_at"::timestamp without time zone, null::timestamp without time zone
from pg_temp."people_snapshot__strata_tmp_c5a0ebf8_batch" as s
where not exists (select 1 from "snapshots"."people_snapshot" as t where t."id" = s."id" and t."dbt_valid_to" is null);
commit;
