-- Silver web events: anonymous events (no customer) are kept with customer_id null.
select distinct on (event_id)
  event_id::bigint          as event_id,
  customer_id::bigint       as customer_id,
  event_type,
  page,
  occurred_at::timestamp    as occurred_at
from "postgres"."analytics"."brz_web_events"
order by event_id, _loaded_at desc