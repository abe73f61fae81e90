{#
  The change of a figure against the previous year, by the indicator's change semantics (dim_indicator):
  counts and amounts get the difference and the percent change, rates the difference in percentage points,
  ratios (生师比) the difference only. One definition for the city, district and school marts.
#}
{% macro change_columns(semantics, value, prev_value) -%}
    case when {{ semantics }} in ('difference_and_percent', 'ratio') then {{ value }} - {{ prev_value }} end as change_abs,
    case
        when {{ semantics }} = 'difference_and_percent' and {{ prev_value }} <> 0
            then 100.0 * ({{ value }} - {{ prev_value }}) / {{ prev_value }}
    end as change_pct,
    case when {{ semantics }} = 'percentage_points' then {{ value }} - {{ prev_value }} end as change_pp
{%- endmacro %}
