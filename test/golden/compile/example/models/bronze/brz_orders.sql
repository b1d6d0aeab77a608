-- Bronze: raw rows as they arrived, stamped with the load time. Append-only.


select
  src.*,
  current_timestamp as _loaded_at
from "postgres"."analytics"."raw_orders" as src
