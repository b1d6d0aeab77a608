-- model.test.dim_date (date_dimension) -> "gold"."dim_date"
-- temporaries: gold.dim_date__strata_tmp_c5a0ebf8

-- phase 1
-- step: create table (rows affected)
create table "gold"."dim_date__strata_tmp_c5a0ebf8" as (
with days as (
  select d::date as "date"
  from generate_series('2024-01-01'::date, '2024-12-31'::date, interval '1 day') as d
),
holidays as (
  select d::date as holiday_date, string_agg(n, ', ' order by n) as holiday_name
  from (values ('2024-01-01', 'Holiday'), ('2024-12-25', 'Christmas Day')) as h(d, n)
  group by d::date
)
select
  to_char(days."date", 'YYYYMMDD')::integer as "date_key",
  days."date",
  extract(isodow from days."date")::integer as "day_of_week",
  to_char(days."date", 'FMDay') as "day_name",
  extract(week from days."date")::integer as "week",
  extract(month from days."date")::integer as "month",
  to_char(days."date", 'FMMonth') as "month_name",
  extract(quarter from days."date")::integer as "quarter",
  extract(year from days."date")::integer as "year",
  extract(isodow from days."date") in (6, 7) as "is_weekend",
  holidays.holiday_date is not null as "is_holiday",
  holidays.holiday_name as "holiday_name",
  extract(year from days."date")::integer + case when extract(month from days."date")::integer >= 7 then 1 else 0 end as "fiscal_year",
  ((extract(month from days."date")::integer - 7 + 12) % 12) / 3 + 1 as "fiscal_quarter"
from days
left join holidays on holidays.holiday_date = days."date"
order by days."date"
);
-- step: create index
create unique index "dim_date__strata_tmp_c5a0ebf8__idx_3c5f71e2" on "gold"."dim_date__strata_tmp_c5a0ebf8" ("date_key");

-- phase 2 (transaction)
begin;
-- step: rename new
alter table "gold"."dim_date__strata_tmp_c5a0ebf8" rename to "dim_date";
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
      and left(c.relname, 29) = 'dim_date__strata_tmp_c5a0ebf8'
  loop
    execute format('alter %s %I.%I rename to %I',
      case when r.relkind in ('i', 'I') then 'index' else 'table' end,
      'gold', r.relname, 'dim_date' || substr(r.relname, 30));
  end loop;
end
$strata$;
commit;
