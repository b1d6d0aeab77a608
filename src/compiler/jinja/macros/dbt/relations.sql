{#- Relation and column helpers packages call (PostgreSQL). -#}
{% macro get_columns_in_relation(relation) -%}{{ return(adapter.get_columns_in_relation(relation)) }}{%- endmacro %}

{% macro get_columns_in_query(select_sql) -%}
{{ return(adapter.dispatch('get_columns_in_query', 'dbt')(select_sql)) }}
{%- endmacro %}
{% macro default__get_columns_in_query(select_sql) -%}
{%- call statement('get_columns_in_query', fetch_result=True, auto_begin=False) -%}
select * from ({{ select_sql }}) as __dbt_sbq where false limit 0
{%- endcall -%}
{{ return(load_result('get_columns_in_query').table.columns | map(attribute='name') | list) }}
{%- endmacro %}

{% macro load_cached_relation(relation) -%}
{{ return(adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier)) }}
{%- endmacro %}
{% macro load_relation(relation) -%}{{ return(load_cached_relation(relation)) }}{%- endmacro %}

{% macro drop_relation_if_exists(relation) -%}
{%- if relation is not none -%}{{ adapter.drop_relation(relation) }}{%- endif -%}
{%- endmacro %}

{% macro make_temp_relation(base_relation, suffix='__dbt_tmp') -%}
{{ return(adapter.dispatch('make_temp_relation', 'dbt')(base_relation, suffix)) }}
{%- endmacro %}
{% macro default__make_temp_relation(base_relation, suffix) -%}
{%- set tmp_identifier = base_relation.identifier ~ suffix ~ modules.datetime.datetime.utcnow().strftime('%H%M%S%f') -%}
{{ return(base_relation.incorporate(path={'identifier': tmp_identifier, 'schema': none, 'database': none})) }}
{%- endmacro %}
{% macro make_intermediate_relation(base_relation, suffix='__dbt_tmp') -%}
{{ return(base_relation.incorporate(path={'identifier': base_relation.identifier ~ suffix})) }}
{%- endmacro %}
{% macro make_backup_relation(base_relation, backup_relation_type, suffix='__dbt_backup') -%}
{{ return(base_relation.incorporate(path={'identifier': base_relation.identifier ~ suffix}, type=backup_relation_type)) }}
{%- endmacro %}

{% macro create_table_as(temporary, relation, compiled_code, language='sql') -%}
{{ return(adapter.dispatch('create_table_as', 'dbt')(temporary, relation, compiled_code)) }}
{%- endmacro %}
{% macro default__create_table_as(temporary, relation, sql) -%}
{%- set sql_header = config.get('sql_header', none) -%}
{{ sql_header if sql_header is not none }}
create {% if temporary %}temporary {% endif %}table {{ relation.include(database=(not temporary), schema=(not temporary)) }}
as (
{{ sql }}
);
{%- endmacro %}
{% macro get_create_table_as_sql(temporary, relation, sql) -%}{{ return(create_table_as(temporary, relation, sql)) }}{%- endmacro %}

{% macro create_view_as(relation, sql) -%}{{ return(adapter.dispatch('create_view_as', 'dbt')(relation, sql)) }}{%- endmacro %}
{% macro default__create_view_as(relation, sql) -%}
{%- set sql_header = config.get('sql_header', none) -%}
{{ sql_header if sql_header is not none }}
create view {{ relation }} as (
{{ sql }}
);
{%- endmacro %}
{% macro get_create_view_as_sql(relation, sql) -%}{{ return(create_view_as(relation, sql)) }}{%- endmacro %}

{% macro create_schema(relation) -%}{{ adapter.create_schema(relation) }}{%- endmacro %}
{% macro drop_schema(relation) -%}{{ adapter.drop_schema(relation) }}{%- endmacro %}
{% macro truncate_relation(relation) -%}{{ adapter.truncate_relation(relation) }}{%- endmacro %}
{% macro rename_relation(from_relation, to_relation) -%}{{ adapter.rename_relation(from_relation, to_relation) }}{%- endmacro %}
{% macro drop_relation(relation) -%}{{ adapter.drop_relation(relation) }}{%- endmacro %}
{% macro list_relations_without_caching(schema_relation) -%}{{ return(adapter.list_relations_without_caching(schema_relation)) }}{%- endmacro %}
{% macro check_schema_exists(information_schema, schema) -%}{{ return(adapter.check_schema_exists(information_schema.database, schema)) }}{%- endmacro %}

{#- `{% call set_sql_header(config) %}set timezone = 'UTC';{% endcall %}`: SQL run before the model. -#}
{% macro set_sql_header(config) -%}{{ config.set('sql_header', caller()) }}{%- endmacro %}

{% macro run_hooks(hooks, inside_transaction=True) -%}
{%- for hook in hooks | selectattr('transaction', 'equalto', inside_transaction) -%}
{%- set rendered = render(hook.get('sql')) | trim -%}
{%- if rendered | length > 0 -%}
{%- call statement(auto_begin=inside_transaction) -%}{{ rendered }}{%- endcall -%}
{%- endif -%}
{%- endfor -%}
{%- endmacro %}

{% macro should_full_refresh() -%}
{%- set config_full_refresh = config.get('full_refresh') -%}
{%- if config_full_refresh is none -%}{%- set config_full_refresh = flags.FULL_REFRESH -%}{%- endif -%}
{{ return(config_full_refresh) }}
{%- endmacro %}

{% macro should_store_failures() -%}
{%- set config_store_failures = config.get('store_failures') -%}
{%- if config_store_failures is none -%}{%- set config_store_failures = flags.STORE_FAILURES -%}{%- endif -%}
{{ return(config_store_failures) }}
{%- endmacro %}

{% macro get_where_subquery(relation) -%}{{ return(adapter.dispatch('get_where_subquery', 'dbt')(relation)) }}{%- endmacro %}
{% macro default__get_where_subquery(relation) -%}
{%- set where = config.get('where', '') -%}
{%- if where -%}
{%- set filtered -%}(select * from {{ relation }} where {{ where }}) dbt_subquery{%- endset -%}
{{ return(filtered) }}
{%- else -%}
{{ return(relation) }}
{%- endif -%}
{%- endmacro %}
