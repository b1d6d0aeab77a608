
create view "d"."s"."v" as (
select 1
);
