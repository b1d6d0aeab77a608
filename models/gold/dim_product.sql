-- Gold: product dimension, SCD type 1 (attributes are overwritten; keys never change).
{{ config(
    materialized='dimension',
    scd_type=1,
    natural_key='product_id',
    surrogate_key='product_key',
    reference=true
) }}

select product_id, product_name, category, price, launched_at
from {{ ref('slv_products') }}
