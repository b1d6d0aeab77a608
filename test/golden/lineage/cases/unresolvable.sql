-- Unknown relations, ambiguous names and lateral functions are marked, never guessed.
select e.page, customer_id, g.n, ghost
from events e
join orders o on true
join customers c on true
cross join generate_series(1, 3) as g(n)
