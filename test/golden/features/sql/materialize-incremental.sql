select l.* from (
  select distinct c."region", c."store_id" from (
select region, store_id, updated_at, footfall from raw.stores
) as c
  where c."updated_at" > cast($2::timestamptz as timestamp with time zone) and c."updated_at" <= cast($1::timestamptz as timestamp with time zone)
) as c
cross join lateral (
  select concat_ws(chr(31), f."region"::text, f."store_id"::text) as "__key", extract(epoch from cast(f."updated_at" as timestamptz))::float8 * 1000 as "__ts", f."footfall"::text as "footfall" from (
select region, store_id, updated_at, footfall from raw.stores
) as f
  where f."region" = c."region" and f."store_id" = c."store_id" and f."updated_at" <= cast($1::timestamptz as timestamp with time zone)
  order by f."updated_at" desc, f."updated_at" desc nulls last, f."footfall" asc nulls last limit 1
) as l
