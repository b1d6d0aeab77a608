{% snapshot products_snapshot %}
{{ config(unique_key='product_id', strategy='check', check_cols=['price', 'category']) }}
-- Price and category history of products (check strategy: no reliable updated_at upstream).
select product_id, product_name, category, price from {{ ref('slv_products') }}
{% endsnapshot %}
