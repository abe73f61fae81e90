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

{#
  The join of a figure to its own previous year: same keys, data year one before. The city, district and
  school marts pair their years through it, so "previous year" means the same in all three.
#}
{% macro previous_year_of(cur, prev, keys) -%}
    {{ prev }}.data_year = {{ cur }}.data_year - 1
    {%- for key in keys %}
    and {{ prev }}.{{ key }} = {{ cur }}.{{ key }}
    {%- endfor %}
{%- endmacro %}
