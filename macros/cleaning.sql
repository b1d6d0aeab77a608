{# Helpers the silver layer uses to clean raw data. #}

{% macro cents_to_dollars(column, scale=2) -%}
  round(({{ column }})::numeric / 100, {{ scale }})
{%- endmacro %}

{% macro clean_text(column) -%}
  nullif(trim({{ column }}), '')
{%- endmacro %}

{#- Keeps the newest row per key: the dedup strategy of every silver model. `order_by` lists
    columns newest-first ('updated_at, _loaded_at'): each sorts descending, nulls last, unless
    it says asc/desc itself. -#}
{% macro latest_per_key(relation, key, order_by) -%}
  {%- set terms = [] -%}
  {%- for term in order_by.split(',') if term.strip() -%}
    {%- set t = term.strip() -%}
    {%- set words = t.lower().split() -%}
    {%- do terms.append(t if ('asc' in words or 'desc' in words) else t ~ ' desc nulls last') -%}
  {%- endfor -%}
  select * from (
    select *, row_number() over (partition by {{ key }} order by {{ terms | join(', ') }}) as _row_rank
    from {{ relation }}
  ) ranked
  where _row_rank = 1
{%- endmacro %}
