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

const QUALITY_TESTS = `{% test null_rate(model, column_name, max=0) %}
with stats as (
    select count(*) as n_records, count(*) - count({{ column_name }}) as n_nulls
    from {{ model }}
)
select n_records, n_nulls, cast(n_nulls as float8) / n_records as null_rate, {{ max | float }} as max_null_rate
from stats
where n_records > 0 and cast(n_nulls as float8) / n_records > {{ max | float }}
{% endtest %}

{% test values_between(model, column_name, min_value=none, max_value=none, inclusive=true) %}
select {{ column_name }} as value_field
from {{ model }}
where {{ column_name }} is not null and (false
{%- if min_value is not none %} or {{ column_name }} {{ '<' if inclusive else '<=' }} {{ min_value | float }}{% endif %}
{%- if max_value is not none %} or {{ column_name }} {{ '>' if inclusive else '>=' }} {{ max_value | float }}{% endif %})
{% endtest %}

{% macro strata_stat_between(model, expr, stat_name, min_value, max_value) %}
select * from (
    select {{ expr }} as {{ stat_name }}
    from {{ model }}
) stat
where false
{%- if min_value is not none %} or {{ stat_name }} < {{ min_value | float }}{% endif %}
{%- if max_value is not none %} or {{ stat_name }} > {{ max_value | float }}{% endif %}
{% endmacro %}

{% test mean_between(model, column_name, min_value=none, max_value=none) %}
{{ strata.strata_stat_between(model, 'avg(cast(' ~ column_name ~ ' as float8))', 'mean_value', min_value, max_value) }}
{% endtest %}

{% test stdev_between(model, column_name, min_value=none, max_value=none) %}
{{ strata.strata_stat_between(model, 'stddev_samp(cast(' ~ column_name ~ ' as float8))', 'stdev_value', min_value, max_value) }}
{% endtest %}

{% test proportion_unique_between(model, column_name, min_value=none, max_value=none) %}
{{ strata.strata_stat_between(model, 'cast(count(distinct ' ~ column_name ~ ') as float8) / nullif(count(' ~ column_name ~ '), 0)', 'proportion_unique', min_value, max_value) }}
{% endtest %}

{% test outlier_rate(model, column_name, method='zscore', threshold=none, max=0.01) %}
{%- set m = method | lower -%}
{%- if m not in ['zscore', 'iqr'] -%}
{{ exceptions.raise_compiler_error("outlier_rate: method must be 'zscore' or 'iqr', got '" ~ method ~ "'") }}
{%- endif -%}
{%- set k = (threshold if threshold is not none else (3 if m == 'zscore' else 1.5)) | float -%}
with bounds as (
    select
{%- if m == 'zscore' %}
        avg(cast({{ column_name }} as float8)) - {{ k }} * stddev_samp(cast({{ column_name }} as float8)) as lower_bound,
        avg(cast({{ column_name }} as float8)) + {{ k }} * stddev_samp(cast({{ column_name }} as float8)) as upper_bound
{%- else %}
        q1 - {{ k }} * (q3 - q1) as lower_bound,
        q3 + {{ k }} * (q3 - q1) as upper_bound
    from (
        select
            percentile_cont(0.25) within group (order by cast({{ column_name }} as float8)) as q1,
            percentile_cont(0.75) within group (order by cast({{ column_name }} as float8)) as q3
{%- endif %}
        from {{ model }}
{%- if m == 'iqr' %}
    ) quartiles
{%- endif %}
),
rates as (
    select
        count(*) filter (where cast(t.{{ column_name }} as float8) < b.lower_bound or cast(t.{{ column_name }} as float8) > b.upper_bound) as n_outliers,
        count(t.{{ column_name }}) as n_values
    from {{ model }} as t cross join bounds as b
)
select n_outliers, n_values, cast(n_outliers as float8) / n_values as outlier_rate, {{ max | float }} as max_outlier_rate
from rates
where n_values > 0 and cast(n_outliers as float8) / n_values > {{ max | float }}
{% endtest %}

{% test class_balance(model, column_name, min_share) %}
with classes as (
    select {{ column_name }} as class_value, count(*) as n_records
    from {{ model }}
    where {{ column_name }} is not null
    group by {{ column_name }}
),
shares as (
    select class_value, n_records, cast(n_records as float8) / sum(n_records) over () as share
    from classes
)
select class_value, n_records, share, {{ min_share | float }} as min_share
from shares
where share < {{ min_share | float }}
{% endtest %}

{% test max_correlation(model, columns, max=0.9) %}
{%- if columns | length < 2 -%}
{{ exceptions.raise_compiler_error("max_correlation needs at least two columns in 'columns'") }}
{%- endif -%}
{%- set pairs = [] -%}
{%- for a in columns -%}{%- set i = loop.index0 -%}{%- for b in columns -%}
{%- if loop.index0 > i %}{% do pairs.append([a, b]) %}{% endif -%}
{%- endfor -%}{%- endfor -%}
with correlations as (
    select
{%- for p in pairs %}
        corr(cast({{ p[0] }} as float8), cast({{ p[1] }} as float8)) as c{{ loop.index }}{% if not loop.last %},{% endif %}
{%- endfor %}
    from {{ model }}
)
select pair, correlation, {{ max | float }} as max_correlation
from correlations
cross join lateral (values
{%- for p in pairs %}
    ('{{ p[0] | replace("'", "''") }} ~ {{ p[1] | replace("'", "''") }}', c{{ loop.index }}){% if not loop.last %},{% endif %}
{%- endfor %}
) as v(pair, correlation)
where abs(correlation) > {{ max | float }}
{% endtest %}

{% test drift(model, column_name=none, columns=none, psi_warn=0.1, psi_error=0.25, ks_warn=none, ks_error=none) %}
-- drift is evaluated by strata at run time against the baseline stored by
-- strata quality baseline in strata_meta.quality_baselines: one histogram scan of
-- {{ model }} over the baseline's bucket edges, PSI (warn {{ psi_warn }}, error {{ psi_error }}) and KS per column.
select 1 as drift_placeholder from {{ model }} where false
{% endtest %}
`;

/** Built-in macro files, loaded after the project's (project macros win unqualified names). */
export const BUILTIN_MACRO_FILES: readonly BuiltinMacroFile[] = [
  { package: 'dbt_utils', path: 'strata:builtin/dbt_utils.sql', contents: DBT_UTILS },
  { package: 'strata', path: 'strata:builtin/generic_tests.sql', contents: GENERIC_TESTS },
  { package: 'strata', path: 'strata:builtin/quality_tests.sql', contents: QUALITY_TESTS },
];
