{# Helpers the silver layer uses to clean raw data. #}

{% macro cents_to_dollars(column, scale=2) -%}
  round(({{ column }})::numeric / 100, {{ scale }})
{%- endmacro %}

{% macro clean_text(column) -%}
  nullif(trim({{ column }}), '')
{%- endmacro %}

{#- Keeps the newest row per key: the dedup strategy of every silver model. -#}
{% macro latest_per_key(relation, key, order_by) -%}
  select * from (
    select *, row_number() over (partition by {{ key }} order by {{ order_by }} desc) as _row_rank
    from {{ relation }}
  ) ranked
  where _row_rank = 1
{%- endmacro %}
