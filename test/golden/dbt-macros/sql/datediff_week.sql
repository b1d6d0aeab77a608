((('2024-01-07')::date - ('2024-01-06')::date) / 7 + case
    when date_part('dow', ('2024-01-06')::timestamp) <= date_part('dow', ('2024-01-07')::timestamp) then
        case when '2024-01-06' <= '2024-01-07' then 0 else -1 end
    else
        case when '2024-01-06' <= '2024-01-07' then 1 else 0 end
end)
