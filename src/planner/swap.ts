/**
 * The atomic swap that publishes a rebuilt relation: inside ONE transaction, park the old
 * relation under a backup name, rename the new one in, drop the backup — while keeping the
 * views a user built on top of the old relation.
 *
 * Why not `drop ... cascade`: it silently drops every dependent view (a user's reporting views
 * included). Instead `save dependent views` records their DDL (definition, options, comment,
 * owner, grants, materialized-view indexes) and drops them, the backup is then dropped with
 * RESTRICT (anything else still depending on it fails the swap and the old relation stays),
 * and `restore dependent views` recreates them against the new relation. Foreign keys of other
 * tables referencing the relation (contracts' `foreign_key`) are saved, dropped and added again
 * the same way, which validates them against the new rows.
 * A view that no longer fits the new columns fails the transaction with its name: nothing is lost.
 */
import type { RelationKind, RelationRef } from '../adapters/warehouse-adapter.js';
import type { PlanStep } from './types.js';
import { backupRef, ident, kindKeyword, literal, qualified, runTag } from './sql.js';

/** Session temp table holding saved DDL; `on commit drop` ties its life to the swap. */
function savedTable(runId: string): string {
  return `strata_saved_views_${runTag(runId)}`;
}

/**
 * Records and drops every view / materialized view depending (transitively) on `of`.
 * Definitions are printed with search_path = pg_catalog so every name in them is
 * schema-qualified and replays identically whatever the session's search_path.
 */
export function saveDependentViewsStep(of: RelationRef, runId: string): PlanStep {
  const saved = savedTable(runId);
  const sql = `do $strata$
declare
  v record;
  ix record;
  g record;
  old_path text := current_setting('search_path');
  n_saved integer := 0;
  def text;
begin
  create temporary table ${ident(saved)} (seq integer, view_name text, kind "char", ddl text) on commit drop;
  perform set_config('search_path', 'pg_catalog', true);
  for v in
    with recursive deps(oid, depth) as (
      select distinct rw.ev_class, 1
      from pg_catalog.pg_depend d
      join pg_catalog.pg_rewrite rw on rw.oid = d.objid
      where d.classid = 'pg_catalog.pg_rewrite'::regclass
        and d.refclassid = 'pg_catalog.pg_class'::regclass
        and d.refobjid = ${literal(qualified(of))}::regclass
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
    def := regexp_replace(pg_catalog.pg_get_viewdef(v.oid), ';\\s*$', '');
    n_saved := n_saved + 1;
    insert into pg_temp.${ident(saved)} values (n_saved, format('%I.%I', v.nspname, v.relname), v.relkind, format('create %s %I.%I%s as %s',
      case when v.relkind = 'm' then 'materialized view' else 'view' end, v.nspname, v.relname,
      case when v.reloptions is null then '' else ' with (' || array_to_string(v.reloptions, ', ') || ')' end, def));
    if v.owner <> current_user then
      n_saved := n_saved + 1;
      insert into pg_temp.${ident(saved)} values (n_saved, format('%I.%I', v.nspname, v.relname), v.relkind, format('alter %s %I.%I owner to %I',
        case when v.relkind = 'm' then 'materialized view' else 'view' end, v.nspname, v.relname, v.owner));
    end if;
    if pg_catalog.obj_description(v.oid, 'pg_class') is not null then
      n_saved := n_saved + 1;
      insert into pg_temp.${ident(saved)} values (n_saved, format('%I.%I', v.nspname, v.relname), v.relkind, format('comment on %s %I.%I is %L',
        case when v.relkind = 'm' then 'materialized view' else 'view' end, v.nspname, v.relname, pg_catalog.obj_description(v.oid, 'pg_class')));
    end if;
    for g in
      select a.privilege_type, a.grantee, a.is_grantable from pg_catalog.aclexplode(v.relacl) a
      where a.grantee <> (select relowner from pg_catalog.pg_class where oid = v.oid)
    loop
      n_saved := n_saved + 1;
      insert into pg_temp.${ident(saved)} values (n_saved, format('%I.%I', v.nspname, v.relname), v.relkind, format('grant %s on %I.%I to %s%s',
        g.privilege_type, v.nspname, v.relname,
        case when g.grantee = 0 then 'public' else quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) end,
        case when g.is_grantable then ' with grant option' else '' end));
    end loop;
    for ix in select pg_catalog.pg_get_indexdef(i.indexrelid) as ddl from pg_catalog.pg_index i where i.indrelid = v.oid loop
      n_saved := n_saved + 1;
      insert into pg_temp.${ident(saved)} values (n_saved, format('%I.%I', v.nspname, v.relname), v.relkind, ix.ddl);
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
    where con.contype = 'f' and con.confrelid = ${literal(qualified(of))}::regclass and con.conrelid <> con.confrelid
    order by n.nspname, c.relname, con.conname
  loop
    n_saved := n_saved + 1;
    insert into pg_temp.${ident(saved)} values (n_saved, format('%I.%I', v.nspname, v.relname), 'f',
      format('alter table %I.%I add constraint %I %s', v.nspname, v.relname, v.conname, pg_catalog.pg_get_constraintdef(v.oid)));
    execute format('alter table %I.%I drop constraint %I', v.nspname, v.relname, v.conname);
  end loop;
  perform set_config('search_path', old_path, true);
  -- Deepest first, so each drop is RESTRICT-clean.
  for v in
    select view_name, kind from (select view_name, kind, min(seq) as first from pg_temp.${ident(saved)} where kind <> 'f' group by view_name, kind) s
    order by first desc
  loop
    execute format('drop %s %s', case when v.kind = 'm' then 'materialized view' else 'view' end, v.view_name);
  end loop;
end
$strata$`;
  return { name: 'save dependent views', sql };
}

/** Replays the DDL saved by `saveDependentViewsStep`, naming the view that cannot be rebuilt. */
export function restoreDependentViewsStep(of: RelationRef, runId: string): PlanStep {
  const saved = savedTable(runId);
  const sql = `do $strata$
declare
  r record;
begin
  for r in select view_name, kind, ddl from pg_temp.${ident(saved)} order by seq loop
    begin
      execute r.ddl;
    exception when others then
      if r.kind = 'f' then
        raise exception 'strata: the foreign key of % cannot be added again on the rebuilt ${qualified(of).replace(/'/g, "''").replace(/%/g, '%%')}: %', r.view_name, sqlerrm
          using hint = 'The new rows lack keys the referencing table uses; the previous relation was kept.';
      end if;
      raise exception 'strata: dependent view % cannot be recreated on the rebuilt ${qualified(of).replace(/'/g, "''").replace(/%/g, '%%')}: %', r.view_name, sqlerrm
        using hint = 'The new relation changed a column the view uses; the previous relation was kept.';
    end;
  end loop;
  drop table pg_temp.${ident(saved)};
end
$strata$`;
  return { name: 'restore dependent views', sql };
}

/**
 * Advisory lock key of the swap step ('strata swap' as a 32-bit number; any constant works).
 * Citus distribution (modeling/citus.ts) takes it too: it locks the table's dependent views.
 */
export const SWAP_LOCK_KEY = 0x5357_4150;

export interface SwapInput {
  readonly target: RelationRef;
  /** The existing relation's kind, or undefined when there is nothing to replace. */
  readonly existingKind: RelationKind | undefined;
  readonly tmp: RelationRef;
  readonly newKind: RelationKind;
  readonly runId: string;
}

/**
 * The steps of the swap transaction (see file comment).
 *
 * @example swapSteps({ target: {schema:'s',name:'t'}, existingKind: 'table', tmp, newKind: 'table', runId })
 * // save dependent views; alter table "s"."t" rename to "t__strata_backup_…";
 * // alter table "s"."t__strata_tmp_…" rename to "t"; drop table "s"."t__strata_backup_…";
 * // restore dependent views
 */
export function swapSteps(input: SwapInput): PlanStep[] {
  const { target, existingKind, tmp, newKind, runId } = input;
  const renameNew: PlanStep = { name: 'rename new', sql: `alter ${kindKeyword(newKind)} ${qualified(tmp)} rename to ${ident(target.name)}` };
  if (!existingKind) return [renameNew];
  const backup = backupRef(target, runId);
  return [
    // Two swaps saving and recreating the same dependent view at once (a view over two seeds
    // rebuilt in parallel) would each drop what the other recreates: swaps take turns.
    { name: 'serialize swaps', sql: `select pg_advisory_xact_lock(${SWAP_LOCK_KEY})` },
    saveDependentViewsStep(target, runId),
    { name: 'rename old', sql: `alter ${kindKeyword(existingKind)} ${qualified(target)} rename to ${ident(backup.name)}` },
    renameNew,
    { name: 'drop old', sql: `drop ${kindKeyword(existingKind)} ${qualified(backup)}` },
    restoreDependentViewsStep(target, runId),
  ];
}
