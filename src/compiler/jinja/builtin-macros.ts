/**
 * Built-in macros shipped with Strata, written for Strata (not copied from dbt-utils):
 * a `dbt_utils`-compatible subset and the default generic tests (package `strata`).
 *
 * @example
 * {{ dbt_utils.generate_surrogate_key(['id', 'day']) }}
 * -- md5(cast(coalesce(cast(id as text), '_dbt_utils_surrogate_key_null_') || '-' || coalesce(cast(day as text), '_dbt_utils_surrogate_key_null_') as text))
 */

export interface BuiltinMacroFile {
  readonly package: string;
  readonly path: string;
  readonly contents: string;
}

const DBT_UTILS = `{% macro generate_surrogate_key(field_list) -%}
{%- set parts = [] -%}
{%- for field in field_list -%}
{%- do parts.append("coalesce(cast(" ~ field ~ " as text), '_dbt_utils_surrogate_key_null_')") -%}
{%- endfor -%}
md5(cast({{ parts | join(" || '-' || ") }} as text))
{%- endmacro %}

{% macro star(from, relation_alias=none, except=[], prefix='', suffix='', quote_identifiers=true) -%}
{%- set excluded = except | map('lower') -%}
{%- set cols = [] -%}
{%- for col in adapter.get_columns_in_relation(from) -%}
{%- if col.name | lower not in excluded -%}{%- do cols.append(col.name) -%}{%- endif -%}
{%- endfor -%}
{%- if cols | length == 0 -%}
{%- if relation_alias %}{{ relation_alias }}.{% endif %}*
{%- else -%}
{%- for col in cols %}
{%- if relation_alias %}{{ relation_alias }}.{% endif -%}
{{ adapter.quote(col) if quote_identifiers else col }}
{%- if prefix or suffix %} as {{ adapter.quote(prefix ~ col ~ suffix) if quote_identifiers else prefix ~ col ~ suffix }}{% endif %}
{%- if not loop.last %},
{% endif -%}
{%- endfor -%}
{%- endif -%}
{%- endmacro %}

{% macro date_spine(datepart, start_date, end_date) -%}
select cast(spine.generated as {{ 'timestamp' if datepart in ['hour', 'minute', 'second'] else 'date' }}) as date_{{ datepart }}
from generate_series(
    cast({{ start_date }} as timestamp),
    cast({{ end_date }} as timestamp) - interval '1 {{ datepart }}',
    interval '1 {{ datepart }}'
) as spine(generated)
{%- endmacro %}

{% macro union_relations(relations, column_override=none, include=[], exclude=[], source_column_name='_dbt_source_relation', where=none) -%}
{%- set all_columns = [] -%}
{%- set column_types = {} -%}
{%- set relation_columns = {} -%}
{%- for relation in relations -%}
{%- set names = [] -%}
{%- for col in adapter.get_columns_in_relation(relation) -%}
{%- if (include | length == 0 or col.name in include) and col.name not in exclude -%}
{%- do names.append(col.name) -%}
{%- if col.name not in all_columns -%}
{%- do all_columns.append(col.name) -%}
{%- do column_types.setdefault(col.name, (column_override or {}).get(col.name, col.data_type)) -%}
{%- endif -%}
{%- endif -%}
{%- endfor -%}
{%- do relation_columns.setdefault(relation | string, names) -%}
{%- endfor -%}
{%- for relation in relations %}
{% if not loop.first %}union all
{% endif -%}
select
    cast('{{ relation }}' as text) as {{ adapter.quote(source_column_name) }},
{%- if all_columns | length == 0 %}
    *
{%- else -%}
{%- for col in all_columns %}
    {% if col in relation_columns[relation | string] %}{{ adapter.quote(col) }}{% else %}cast(null as {{ column_types[col] }}) as {{ adapter.quote(col) }}{% endif %}{% if not loop.last %},{% endif %}
{%- endfor -%}
{%- endif %}
from {{ relation }}
{%- if where %}
where {{ where }}
{%- endif %}
{%- endfor %}
{%- endmacro %}
`;

const GENERIC_TESTS = `{% test unique(model, column_name) %}
select
    {{ column_name }} as unique_field,
    count(*) as n_records

from {{ model }}
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1
{% endtest %}

{% test not_null(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is null
{% endtest %}

{% test accepted_values(model, column_name, values, quote=true) %}
with all_values as (

    select
        {{ column_name }} as value_field,
        count(*) as n_records

    from {{ model }}
    group by {{ column_name }}

)

select *
from all_values
where value_field not in (
    {% for value in values -%}
    {% if quote %}'{{ value | replace("'", "''") }}'{% else %}{{ value }}{% endif %}{% if not loop.last %}, {% endif %}
    {%- endfor %}
)
{% endtest %}

{% test relationships(model, column_name, to, field) %}
with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),

parent as (
    select {{ field }} as to_field
    from {{ to }}
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null
{% endtest %}
`;

/** Built-in macro files, loaded after the project's (project macros win unqualified names). */
export const BUILTIN_MACRO_FILES: readonly BuiltinMacroFile[] = [
  { package: 'dbt_utils', path: 'strata:builtin/dbt_utils.sql', contents: DBT_UTILS },
  { package: 'strata', path: 'strata:builtin/generic_tests.sql', contents: GENERIC_TESTS },
];
