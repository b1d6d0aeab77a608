{#- Strata's data-quality generic tests (null_rate, values_between, drift, ...). -#}
{% test null_rate(model, column_name, max=0) %}
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
