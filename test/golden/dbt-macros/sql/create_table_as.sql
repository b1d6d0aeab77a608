
create table "d"."s"."t"
as (
select 1
);
