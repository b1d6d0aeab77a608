{#- date_spine and the series helpers dbt ships in its global project (PostgreSQL). -#}
{% macro get_powers_of_two(upper_bound) -%}{{ return(adapter.dispatch('get_powers_of_two', 'dbt')(upper_bound)) }}{%- endmacro %}
{% macro default__get_powers_of_two(upper_bound) -%}
{%- if upper_bound <= 0 -%}
{{ exceptions.raise_compiler_error("upper bound must be positive") }}
{%- endif -%}
{%- for i in range(1, 64) -%}
{%- if upper_bound <= 2 ** i -%}{{ return(i) }}{%- endif -%}
{%- endfor -%}
{{ return(64) }}
{%- endmacro %}

{% macro generate_series(upper_bound) -%}{{ return(adapter.dispatch('generate_series', 'dbt')(upper_bound)) }}{%- endmacro %}
{% macro default__generate_series(upper_bound) -%}
select generated_number from generate_series(1, {{ upper_bound }}) as gs(generated_number)
{%- endmacro %}

{% macro get_intervals_between(start_date, end_date, datepart) -%}
{{ return(adapter.dispatch('get_intervals_between', 'dbt')(start_date, end_date, datepart)) }}
{%- endmacro %}
{% macro default__get_intervals_between(start_date, end_date, datepart) -%}
{%- call statement('get_intervals_between', fetch_result=True) %}
select {{ dbt.datediff(start_date, end_date, datepart) }}
{%- endcall -%}
{%- set value_list = load_result('get_intervals_between') -%}
{%- if value_list and value_list['data'] -%}
{{ return(value_list['data'][0][0] | int) }}
{%- else -%}
{{ return(1) }}
{%- endif -%}
{%- endmacro %}

{% macro date_spine(datepart, start_date, end_date) -%}
{{ return(adapter.dispatch('date_spine', 'dbt')(datepart, start_date, end_date)) }}
{%- endmacro %}
{% macro default__date_spine(datepart, start_date, end_date) -%}
select spine.generated::timestamp as date_{{ datepart }}
from generate_series(
    cast({{ start_date }} as timestamp),
    cast({{ end_date }} as timestamp),
    interval '1 {{ datepart }}'
) as spine(generated)
where spine.generated < cast({{ end_date }} as timestamp)
{%- endmacro %}
