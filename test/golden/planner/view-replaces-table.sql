-- model.test.orders (view) -> "analytics"."orders"
-- temporaries: analytics.orders__strata_tmp_c5a0ebf8

-- phase 1
-- step: create view
create view "analytics"."orders__strata_tmp_c5a0ebf8" as (
select id, customer_id, ordered_at, amount from "raw"."orders"
);

-- phase 2 (transaction)
begin;
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
        and d.refobjid = '"analytics"."orders"'::regclass
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
    where con.contype = 'f' and con.confrelid = '"analytics"."orders"'::regclass and con.conrelid <> con.confrelid
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
alter table "analytics"."orders" rename to "orders__strata_backup_c5a0ebf8";
-- step: rename new
alter view "analytics"."orders__strata_tmp_c5a0ebf8" rename to "orders";
-- step: drop old
drop table "analytics"."orders__strata_backup_c5a0ebf8";
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
        raise exception 'strata: the foreign key of % cannot be added again on the rebuilt "analytics"."orders": %', r.view_name, sqlerrm
          using hint = 'The new rows lack keys the referencing table uses; the previous relation was kept.';
      end if;
      raise exception 'strata: dependent view % cannot be recreated on the rebuilt "analytics"."orders": %', r.view_name, sqlerrm
        using hint = 'The new relation changed a column the view uses; the previous relation was kept.';
    end;
  end loop;
  drop table pg_temp."strata_saved_views_c5a0ebf8";
end
$strata$;
-- step: grant
grant select on "analytics"."orders" to "reporter";
commit;
