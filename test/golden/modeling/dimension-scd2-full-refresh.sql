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
  "valid_from" timestamp without time zone not null,
  "valid_to" timestamp without time zone,
  "is_current" boolean not null
);
-- step: copy keys and history
insert into "gold"."dim_customer__strata_tmp_c5a0ebf8" ("customer_key", "customer_id", "name", "segment", "region", "updated_at", "valid_from", "valid_to", "is_current")
select "customer_key", "customer_id", "name", "segment", "region", "updated_at", "valid_from", "valid_to", "is_current" from "gold"."dim_customer";
-- step: index surrogate key
create unique index "dim_customer__strata_tmp_c5a0ebf8__sk" on "gold"."dim_customer__strata_tmp_c5a0ebf8" ("customer_key");
-- step: index natural key
create index "dim_customer__strata_tmp_c5a0ebf8__nk" on "gold"."dim_customer__strata_tmp_c5a0ebf8" ("customer_id");
-- step: index current rows
create unique index "dim_customer__strata_tmp_c5a0ebf8__current" on "gold"."dim_customer__strata_tmp_c5a0ebf8" ("customer_id") where "is_current";
-- step: index updated_at
create index "dim_customer__strata_tmp_c5a0ebf8__updated_at" on "gold"."dim_customer__strata_tmp_c5a0ebf8" ("updated_at");
-- step: analyze
analyze "gold"."dim_customer__strata_tmp_c5a0ebf8";
-- step: overwrite untracked columns
update "gold"."dim_customer__strata_tmp_c5a0ebf8" as t
set "name" = s."name", "updated_at" = s."updated_at"
from pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch" as s
where t."customer_id" = s."customer_id" and (t."name", t."updated_at") is distinct from (s."name", s."updated_at");
-- step: close changed versions (rows affected)
update "gold"."dim_customer__strata_tmp_c5a0ebf8" as t
set "valid_to" = greatest(coalesce(s."updated_at"::timestamp without time zone, clock."now"), t."valid_from"), "is_current" = false
from pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch" as s, (select localtimestamp as "now") as clock
where t."customer_id" = s."customer_id" and t."is_current" and (t."segment", t."region") is distinct from (s."segment", s."region");
-- step: collect new rows
create temporary table "dim_customer__strata_tmp_c5a0ebf8_batch_new" on commit drop as
select s."customer_id", s."name", s."segment", s."region", s."updated_at", case when h."last_valid_to" is null then '1900-01-01'::timestamp without time zone else greatest(coalesce(s."updated_at"::timestamp without time zone, localtimestamp), h."last_valid_to") end as "valid_from"
from pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch" as s
left join lateral (select max(h."valid_to") as "last_valid_to" from "gold"."dim_customer__strata_tmp_c5a0ebf8" as h where h."customer_id" = s."customer_id") as h on true
where not exists (select 1 from "gold"."dim_customer__strata_tmp_c5a0ebf8" as t where t."customer_id" = s."customer_id" and t."is_current");
-- step: insert new rows (rows affected)
insert into "gold"."dim_customer__strata_tmp_c5a0ebf8" ("customer_key", "customer_id", "name", "segment", "region", "updated_at", "valid_from", "valid_to", "is_current")
select (select greatest(max("customer_key"), 0) from "gold"."dim_customer__strata_tmp_c5a0ebf8") + row_number() over (order by s."customer_id"), s."customer_id", s."name", s."segment", s."region", s."updated_at", s."valid_from", null, true
from pg_temp."dim_customer__strata_tmp_c5a0ebf8_batch_new" as s;
-- step: analyze
analyze "gold"."dim_customer__strata_tmp_c5a0ebf8";
-- step: serialize swaps
select pg_advisory_xact_lock(1398227280);
-- step: save dependent views
do $strata$
declare
  v record;
  ix record;
  g record;
  old_path text := current_setting('search_path');
  n_saved integer := 0;
  def text;
begin
  create temporary table "strata_saved_views_c5a0ebf8" (seq integer, view_name text, kind "char", ddl text) on commit drop;
  perform set_config('search_path', 'pg_catalog', true);
  for v in
    with recursive deps(oid, depth) as (
      select distinct rw.ev_class, 1
      from pg_catalog.pg_depend d
      join pg_catalog.pg_rewrite rw on rw.oid = d.objid
      where d.classid = 'pg_catalog.pg_rewrite'::regclass
        and d.refclassid = 'pg_catalog.pg_class'::regclass
        and d.refobjid = '"gold"."dim_customer"'::regclass
        and rw.ev_class <> d.refobjid
      union all
      select rw.ev_class, deps.depth + 1
      from deps
      join pg_catalog.pg_depend d on d.refobjid = deps.oid
        and d.classid = 'pg_catalog.pg_rewrite'::regclass
        and d.refclassid = 'pg_catalog.pg_class'::regclass
      join pg_catalog.pg_rewrite rw on rw.oid = d.objid
      where rw.ev_class <> deps.oid
    )
    select c.oid, n.nspname, c.relname, c.relkind, c.reloptions, c.relacl,
      pg_catalog.pg_get_userbyid(c.relowner) as owner, max(deps.depth) as depth
    from deps
    join pg_catalog.pg_class c on c.oid = deps.oid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('v', 'm')
    group by c.oid, n.nspname, c.relname, c.relkind, c.reloptions, c.relacl, c.relowner
    order by max(deps.depth), c.relname
  loop
    def := regexp_replace(pg_catalog.pg_get_viewdef(v.oid), ';\s*$', '');
    n_saved := n_saved + 1;
    insert into pg_temp."strata_saved_views_c5a0ebf8" values (n_saved, format('%I.%I', v.nspname, v.relname), v.relkind, format('create %s %I.%I%s as %s',
      case when v.relkind = 'm' then 'materialized view' else 'view' end, v.nspname, v.relname,
      case when v.reloptions is null then '' else ' with (' || array_to_string(v.reloptions, ', ') || ')' end, def));
    if v.owner <> current_user then
      n_saved := n_saved + 1;
      insert into pg_temp."strata_saved_views_c5a0ebf8" values (n_saved, format('%I.%I', v.nspname, v.relname), v.relkind, format('alter %s %I.%I owner to %I',
        case when v.relkind = 'm' then 'materialized view' else 'view' end, v.nspname, v.relname, v.owner));
    end if;
    if pg_catalog.obj_description(v.oid, 'pg_class') is not null then
      n_saved := n_saved + 1;
      insert into pg_temp."strata_saved_views_c5a0ebf8" values (n_saved, format('%I.%I', v.nspname, v.relname), v.relkind, format('comment on %s %I.%I is %L',
        case when v.relkind = 'm' then 'materialized view' else 'view' end, v.nspname, v.relname, pg_catalog.obj_description(v.oid, 'pg_class')));
    end if;
    for g in
      select a.privilege_type, a.grantee, a.is_grantable from pg_catalog.aclexplode(v.relacl) a
      where a.grantee <> (select relowner from pg_catalog.pg_class where oid = v.oid)
    loop
      n_saved := n_saved + 1;
      insert into pg_temp."strata_saved_views_c5a0ebf8" values (n_saved, format('%I.%I', v.nspname, v.relname), v.relkind, format('grant %s on %I.%I to %s%s',
        g.privilege_type, v.nspname, v.relname,
        case when g.grantee = 0 then 'public' else quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) end,
        case when g.is_grantable then ' with grant option' else '' end));
    end loop;
    for ix in select pg_catalog.pg_get_indexdef(i.indexrelid) as ddl from pg_catalog.pg_index i where i.indrelid = v.oid loop
      n_saved := n_saved + 1;
      insert into pg_temp."strata_saved_views_c5a0ebf8" values (n_saved, format('%I.%I', v.nspname, v.relname), v.relkind, ix.ddl);
    end loop;
  end loop;
  -- Foreign keys of other tables referencing this one (a contracted child's foreign_key
  -- constraint): dropped now and added again after the rename, so they point at the new
  -- relation and are validated against its rows (a key the new rows lack fails the swap).
  for v in
    select con.oid, con.conname, n.nspname, c.relname
    from pg_catalog.pg_constraint con
    join pg_catalog.pg_class c on c.oid = con.conrelid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where con.contype = 'f' and con.confrelid = '"gold"."dim_customer"'::regclass and con.conrelid <> con.confrelid
    order by n.nspname, c.relname, con.conname
  loop
    n_saved := n_saved + 1;
    insert into pg_temp."strata_saved_views_c5a0ebf8" values (n_saved, format('%I.%I', v.nspname, v.relname), 'f',
      format('alter table %I.%I add constraint %I %s', v.nspname, v.relname, v.conname, pg_catalog.pg_get_constraintdef(v.oid)));
    execute format('alter table %I.%I drop constraint %I', v.nspname, v.relname, v.conname);
  end loop;
  perform set_config('search_path', old_path, true);
  -- Deepest first, so each drop is RESTRICT-clean.
  for v in
    select view_name, kind from (select view_name, kind, min(seq) as first from pg_temp."strata_saved_views_c5a0ebf8" where kind <> 'f' group by view_name, kind) s
    order by first desc
  loop
    execute format('drop %s %s', case when v.kind = 'm' then 'materialized view' else 'view' end, v.view_name);
  end loop;
end
$strata$;
-- step: rename old
alter table "gold"."dim_customer" rename to "dim_customer__strata_backup_c5a0ebf8";
-- step: rename new
alter table "gold"."dim_customer__strata_tmp_c5a0ebf8" rename to "dim_customer";
-- step: drop old
drop table "gold"."dim_customer__strata_backup_c5a0ebf8";
-- step: restore dependent views
do $strata$
declare
  r record;
begin
  for r in select view_name, kind, ddl from pg_temp."strata_saved_views_c5a0ebf8" order by seq loop
    begin
      execute r.ddl;
    exception when others then
      if r.kind = 'f' then
        raise exception 'strata: the foreign key of % cannot be added again on the rebuilt "gold"."dim_customer": %', r.view_name, sqlerrm
          using hint = 'The new rows lack keys the referencing table uses; the previous relation was kept.';
      end if;
      raise exception 'strata: dependent view % cannot be recreated on the rebuilt "gold"."dim_customer": %', r.view_name, sqlerrm
        using hint = 'The new relation changed a column the view uses; the previous relation was kept.';
    end;
  end loop;
  drop table pg_temp."strata_saved_views_c5a0ebf8";
end
$strata$;
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
