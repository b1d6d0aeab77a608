/**
 * A small shop project for docs tests: seeds → staging models (one `select *`) → a fact with a
 * join and CTEs → a semantic layer with a geography hierarchy → a feature view and service.
 */
export function docsProjectFiles(): Record<string, string> {
  const customers = ['customer_id,name,region,country,city'];
  const places = [
    ['EMEA', 'Germany', 'Berlin'],
    ['EMEA', 'Germany', 'Munich'],
    ['EMEA', 'France', 'Paris'],
    ['AMER', 'United States', 'Austin'],
    ['AMER', 'Canada', 'Toronto'],
    ['APAC', 'Japan', 'Tokyo'],
  ];
  for (let i = 1; i <= 12; i++) customers.push(`${i},Customer ${i},${places[i % places.length]!.join(',')}`);
  const orders = ['order_id,customer_id,ordered_at,amount_cents,status'];
  for (let i = 1; i <= 60; i++) orders.push(`${i},${1 + ((i * 5) % 12)},2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 27)).padStart(2, '0')},${1000 + ((i * 137) % 9000)},${i % 4 ? 'completed' : 'returned'}`);
  return {
    'strata_project.yml': 'name: shop\nprofile: shop\nmodels:\n  shop:\n    +materialized: table\n',
    'seeds/raw_customers.csv': `${customers.join('\n')}\n`,
    'seeds/raw_orders.csv': `${orders.join('\n')}\n`,
    'models/staging/stg_customers.sql': "select * from {{ ref('raw_customers') }}\n",
    'models/staging/stg_orders.sql':
      "select order_id, customer_id, ordered_at::timestamp as ordered_at, amount_cents / 100.0 as amount, status\nfrom {{ ref('raw_orders') }}\nwhere status <> 'returned'\n",
    'models/marts/fct_orders.sql': `with o as (
  select * from {{ ref('stg_orders') }}
), c as (
  select customer_id, region from {{ ref('stg_customers') }}
)
select o.order_id, o.customer_id, o.ordered_at, o.amount, c.region as customer_region, o.amount * 0.2 as tax, now() as loaded_at
from o join c using (customer_id)
`,
    'models/marts/dim_customers.sql': "select customer_id, name, region, country, city from {{ ref('stg_customers') }}\n",
    'models/marts/customer_daily.sql':
      "select customer_id, date_trunc('day', ordered_at) as as_of, count(*)::bigint as order_count, avg(amount)::float8 as avg_amount\nfrom {{ ref('fct_orders') }} group by 1, 2\n",
    'models/schema.yml': `version: 2
models:
  - name: fct_orders
    description: One row per completed order, with the customer's region.
    columns:
      - name: order_id
        description: The order.
        data_type: integer
        tests: [unique, not_null]
      - name: amount
        description: Order amount in dollars.
  - name: dim_customers
    description: Customers with their geography.
    columns:
      - name: customer_id
        tests: [unique]
`,
    'semantic/shop.yml': `semantic_models:
  - name: orders
    model: ref('fct_orders')
    primary_key: order_id
    description: Completed orders.
    joins:
      - { to: customer, relationship: many_to_one, on: "{orders}.customer_id = {customer}.customer_id" }
    dimensions:
      - { name: ordered_at, type: time, expr: ordered_at, granularities: [day, month, year] }
    measures:
      - { name: revenue, agg: sum, expr: amount }
      - { name: order_count, agg: count }
  - name: customer
    model: ref('dim_customers')
    primary_key: customer_id
    dimensions:
      - { name: region }
      - { name: country }
      - { name: city }
metrics:
  - { name: revenue, type: simple, measure: orders.revenue, description: Revenue in dollars }
  - { name: order_count, type: simple, measure: orders.order_count }
  - { name: avg_order_value, type: ratio, numerator: revenue, denominator: order_count }
hierarchies:
  - { name: geography, levels: [customer.region, customer.country, customer.city] }
`,
    'semantic/features.yml': `entities:
  - { name: customer, join_keys: [customer_id] }
feature_views:
  - name: customer_stats
    entity: customer
    source: ref('customer_daily')
    timestamp: as_of
    ttl: 90d
    owner: ml-team
    features:
      - { name: order_count, type: int64, description: Orders that day }
      - { name: avg_amount, type: float64 }
feature_services:
  - { name: churn_model, features: [customer_stats:order_count, customer_stats:avg_amount] }
`,
  };
}
