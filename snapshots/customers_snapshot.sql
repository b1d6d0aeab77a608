{% snapshot customers_snapshot %}
{{ config(
    unique_key='customer_id',
    strategy='timestamp',
    updated_at='updated_at',
    hard_deletes='invalidate'
) }}
-- History of the cleaned customers (dbt-compatible snapshot: dbt_valid_from / dbt_valid_to).
select customer_id, email, region, segment, updated_at from {{ ref('slv_customers') }}
{% endsnapshot %}
